import type { Driver } from '../db/driver.js';
import { fromMinor, USD, type Currency } from '../money.js';
import { ORDER_STATUSES, type OrderStatus } from '../orders/status.js';
import * as v from '../validate.js';

export interface PendingOrder {
  orderId: number;
  customerId: number;
  customerName: string;
  totalAmount: number;
  totalCents: number;
  itemCount: number;
  createdAt: string;
}
export interface TopCustomer {
  customerId: number;
  name: string;
  email: string;
  orderCount: number;
  totalSpent: number;
  totalSpentCents: number;
}
export interface DailySales {
  date: string;
  orders: number;
  revenue: number;
  revenueCents: number;
}
export interface LowStockProduct {
  productId: number;
  name: string;
  category: string | null;
  stock: number;
}

/** Read-only reports; each is one query. Cancelled orders never count as spending. */
export class ReportService {
  constructor(
    private readonly db: Driver,
    private readonly currency: Currency = USD,
  ) {}

  async pendingOrders(): Promise<PendingOrder[]> {
    const rows = await this.db.all<{ id: number; customer_id: number; name: string; total_cents: number; items: number; created_at: string }>(
      `SELECT o.id, o.customer_id, c.name, o.total_cents, o.created_at,
         (SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i WHERE i.order_id = o.id) AS items
       FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'pending' ORDER BY o.created_at, o.id`,
    );
    return rows.map((r) => ({
      orderId: r.id,
      customerId: r.customer_id,
      customerName: r.name,
      totalAmount: fromMinor(r.total_cents, this.currency),
      totalCents: r.total_cents,
      itemCount: Number(r.items),
      createdAt: r.created_at,
    }));
  }

  async topCustomers(options: { limit?: number } = {}): Promise<TopCustomer[]> {
    const limit = v.integer(options.limit ?? 10, 'limit', 1, 1000);
    const rows = await this.db.all<{ id: number; name: string; email: string; order_count: number; total: number }>(
      `SELECT c.id, c.name, c.email, COUNT(o.id) AS order_count, SUM(o.total_cents) AS total
       FROM customers c JOIN orders o ON o.customer_id = c.id
       WHERE o.status <> 'cancelled' GROUP BY c.id, c.name, c.email ORDER BY total DESC, c.id LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      customerId: r.id,
      name: r.name,
      email: r.email,
      orderCount: Number(r.order_count),
      totalSpent: fromMinor(Number(r.total), this.currency),
      totalSpentCents: Number(r.total),
    }));
  }

  /** Sales per UTC day for orders now in `status` (default delivered), newest day first. */
  async dailySales(options: { status?: OrderStatus } = {}): Promise<DailySales[]> {
    const status = v.oneOf(options.status ?? 'delivered', 'status', ORDER_STATUSES);
    const rows = await this.db.all<{ day: string; orders: number; revenue: number }>(
      `SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS orders, SUM(total_cents) AS revenue
       FROM orders WHERE status = ? GROUP BY substr(created_at, 1, 10) ORDER BY day DESC`,
      [status],
    );
    return rows.map((r) => ({ date: r.day, orders: Number(r.orders), revenue: fromMinor(Number(r.revenue), this.currency), revenueCents: Number(r.revenue) }));
  }

  async lowStock(options: { threshold?: number } = {}): Promise<LowStockProduct[]> {
    const threshold = v.integer(options.threshold ?? 10, 'threshold', 0, v.MAX_STOCK);
    const rows = await this.db.all<{ id: number; name: string; category: string | null; stock: number }>(
      'SELECT id, name, category, stock FROM products WHERE stock < ? ORDER BY stock, id',
      [threshold],
    );
    return rows.map((r) => ({ productId: r.id, name: r.name, category: r.category, stock: r.stock }));
  }
}
