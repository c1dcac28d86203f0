import type { Driver } from '../db/driver.js';
import type { OrderStatus } from '../orders/status.js';
import * as v from '../validate.js';

export interface SalesFigures {
  orders: number;
  revenueCents: number;
  /** Integer minor units, rounded down (revenue / orders); 0 without orders. */
  averageOrderCents: number;
}

export interface DayFigures {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  orders: number;
  revenueCents: number;
}

export interface StockAlert {
  productId: number;
  name: string;
  stock: number;
}

export interface WaitingOrder {
  orderId: number;
  email: string;
  status: OrderStatus;
  totalCents: number;
  createdAt: string;
}

export interface Dashboard {
  today: SalesFigures;
  month: SalesFigures;
  /** One entry per day of the window, oldest first, days without orders included as zeros. */
  perDay: DayFigures[];
  /** Orders placed in the window, by their current status. */
  byStatus: { status: OrderStatus; orders: number }[];
  topCustomers: { customerId: number; name: string; email: string; orders: number; spentCents: number }[];
  lowStock: StockAlert[];
  /** Paid for or being prepared, not yet shipped: pending and processing, oldest first. */
  awaitingFulfilment: WaitingOrder[];
}

const SALE = "status <> 'cancelled'";

function figures(row: { n: number | string | null; cents: number | string | null } | undefined): SalesFigures {
  const orders = Number(row?.n ?? 0);
  const revenueCents = Number(row?.cents ?? 0);
  return { orders, revenueCents, averageOrderCents: orders === 0 ? 0 : Math.floor(revenueCents / orders) };
}

/**
 * The admin dashboard's figures. Every query is bounded by a created_at range (an index range of
 * at most `days` days of orders) or by a small LIMIT, so the page costs the same whatever the
 * size of the order history. Cancelled orders are not sales.
 */
export class DashboardReport {
  private readonly cache = new Map<number, { at: number; value: Promise<Dashboard> }>();

  /** `maxAgeMs`: how long a built dashboard is served again (per window); 0 always rebuilds. */
  constructor(
    private readonly db: Driver,
    private readonly maxAgeMs = 0,
  ) {}

  /**
   * The dashboard, rebuilt at most every `maxAgeMs` per window: its sums read up to 90 days of
   * orders, so a panel with several people open does not repeat them for every page view.
   */
  cached(days: 7 | 30 | 90): Promise<Dashboard> {
    const hit = this.cache.get(days);
    if (hit && Date.now() - hit.at < this.maxAgeMs) return hit.value;
    const value = this.build({ days });
    value.catch(() => this.cache.delete(days));
    this.cache.set(days, { at: Date.now(), value });
    return value;
  }

  async build(options: { days?: number; now?: Date; lowStockThreshold?: number } = {}): Promise<Dashboard> {
    const days = options.days ?? 30;
    if (![7, 30, 90].includes(days)) v.oneOf(String(days), 'days', ['7', '30', '90']);
    const now = options.now ?? new Date();
    const today = now.toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 7)}-01T00:00:00.000Z`;
    const windowStart = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString();
    const threshold = v.integer(options.lowStockThreshold ?? 10, 'lowStockThreshold', 0, v.MAX_STOCK);
    type Sum = { n: number | string | null; cents: number | string | null };
    const [todayRow, monthRow, perDayRows, statusRows, topRows, lowRows, pendingRows, processingRows] = await Promise.all([
      this.db.get<Sum>(`SELECT COUNT(*) AS n, SUM(total_cents) AS cents FROM orders WHERE created_at >= ? AND ${SALE}`, [`${today}T00:00:00.000Z`]),
      this.db.get<Sum>(`SELECT COUNT(*) AS n, SUM(total_cents) AS cents FROM orders WHERE created_at >= ? AND ${SALE}`, [monthStart]),
      this.db.all<{ day: string; n: number | string; cents: number | string }>(
        `SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n, SUM(total_cents) AS cents FROM orders
         WHERE created_at >= ? AND ${SALE} GROUP BY substr(created_at, 1, 10)`,
        [windowStart],
      ),
      this.db.all<{ status: OrderStatus; n: number | string }>(
        'SELECT status, COUNT(*) AS n FROM orders WHERE created_at >= ? GROUP BY status ORDER BY status',
        [windowStart],
      ),
      this.db.all<{ id: number; name: string; email: string; n: number | string; cents: number | string }>(
        `SELECT c.id, c.name, c.email, t.n, t.cents FROM (
           SELECT customer_id, COUNT(*) AS n, SUM(total_cents) AS cents FROM orders WHERE created_at >= ? AND ${SALE} GROUP BY customer_id
         ) t JOIN customers c ON c.id = t.customer_id ORDER BY t.cents DESC, c.id LIMIT 5`,
        [windowStart],
      ),
      this.db.all<{ id: number; name: string; stock: number }>('SELECT id, name, stock FROM products WHERE stock < ? ORDER BY stock, id LIMIT 10', [threshold]),
      // One index walk per status ((status, created_at, id)), merged here: an IN list would sort them all.
      ...(['pending', 'processing'] as const).map((status) =>
        this.db.all<{ id: number; email: string; status: OrderStatus; total_cents: number; created_at: string }>(
          `SELECT o.id, c.email, o.status, o.total_cents, o.created_at FROM orders o JOIN customers c ON c.id = o.customer_id
           WHERE o.status = ? ORDER BY o.created_at, o.id LIMIT 10`,
          [status],
        ),
      ),
    ]);
    const waitingRows = [...pendingRows!, ...processingRows!]
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id))
      .slice(0, 10);
    const byDay = new Map(perDayRows.map((r) => [r.day, r]));
    const perDay: DayFigures[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const date = new Date(Date.parse(`${today}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
      const r = byDay.get(date);
      perDay.push({ date, orders: Number(r?.n ?? 0), revenueCents: Number(r?.cents ?? 0) });
    }
    return {
      today: figures(todayRow),
      month: figures(monthRow),
      perDay,
      byStatus: statusRows.map((r) => ({ status: r.status, orders: Number(r.n) })),
      topCustomers: topRows.map((r) => ({ customerId: r.id, name: r.name, email: r.email, orders: Number(r.n), spentCents: Number(r.cents) })),
      lowStock: lowRows.map((r) => ({ productId: r.id, name: r.name, stock: r.stock })),
      awaitingFulfilment: waitingRows.map((r) => ({ orderId: r.id, email: r.email, status: r.status, totalCents: Number(r.total_cents), createdAt: r.created_at })),
    };
  }
}
