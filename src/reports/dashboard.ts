import type { Driver } from '../db/driver.js';
import type { OrderStatus } from '../orders/status.js';
import type { PaymentStatus } from '../payments/ledger.js';
import * as v from '../validate.js';

export interface SalesFigures {
  orders: number;
  revenueCents: number;
  /** Integer minor units, rounded down (revenue / orders); 0 without orders. */
  averageOrderCents: number;
  /** Refunded so far on these orders (their revenue is not reduced by it). */
  refundedCents: number;
}

export interface DayFigures {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  orders: number;
  revenueCents: number;
}

export interface StockAlert {
  variantId: number;
  productId: number;
  /** The product's name, with the variant's title when the product has options. */
  name: string;
  sku: string | null;
  stock: number;
}

export interface WaitingOrder {
  orderId: number;
  email: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  totalCents: number;
  createdAt: string;
}

export interface ExpiringOrder extends WaitingOrder {
  /** When the payment timeout cancels it (created + PAYMENT_TIMEOUT_SECONDS); may be past until the job runs. */
  expiresAt: string;
}

export interface Dashboard {
  today: SalesFigures;
  month: SalesFigures;
  /** One entry per day of the window, oldest first, days without orders included as zeros. */
  perDay: DayFigures[];
  /** Orders placed in the window, by their current status. */
  byStatus: { status: OrderStatus; orders: number }[];
  /** Orders placed in the window, by their current payment state. */
  byPayment: { paymentStatus: PaymentStatus; orders: number }[];
  /** This calendar month's biggest spenders (cancelled orders excluded). */
  topCustomers: { customerId: number; name: string; email: string; orders: number; spentCents: number }[];
  /** Variants under the threshold, lowest stock first. */
  lowStock: StockAlert[];
  /** Paid for (or authorised) and not yet shipped, oldest first. */
  awaitingFulfilment: WaitingOrder[];
  /** Pending and unpaid, the first to be cancelled by the payment timeout first. */
  expiringUnpaid: ExpiringOrder[];
}

const LIST = 10;
const PAID: readonly PaymentStatus[] = ['authorized', 'paid', 'partially_refunded'];
const UNPAID: readonly PaymentStatus[] = ['unpaid', 'voided'];

type OrderRow = { id: number; email: string; status: OrderStatus; payment_status: PaymentStatus; total_cents: number | string; created_at: string };

const byAge = (a: OrderRow, b: OrderRow) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id);

/**
 * The admin dashboard's figures. Sales, statuses and payment states come from the `sales_daily`
 * summary and top customers from `customer_sales_monthly` (migration 013, kept by triggers on
 * orders), so they read at most days × statuses × payment states × 16 rows whatever the number
 * of orders; the lists are index walks with a LIMIT. Cancelled orders are not sales.
 */
export class DashboardReport {
  private readonly cache = new Map<number, { at: number; value: Promise<Dashboard> }>();
  private readonly timeoutSeconds: number;

  /**
   * `maxAgeMs`: how long a built dashboard is served again (per window); 0 always rebuilds.
   * `paymentTimeoutSeconds`: PAYMENT_TIMEOUT_SECONDS, for when unpaid orders expire.
   */
  constructor(
    private readonly db: Driver,
    private readonly maxAgeMs = 0,
    options: { paymentTimeoutSeconds?: number } = {},
  ) {
    this.timeoutSeconds = options.paymentTimeoutSeconds ?? 1800;
  }

  /** The dashboard, rebuilt at most every `maxAgeMs` per window (several people on the panel share one build). */
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
    const month = today.slice(0, 7);
    const windowStart = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const from = `${month}-01` < windowStart ? `${month}-01` : windowStart;
    const threshold = v.integer(options.lowStockThreshold ?? 10, 'lowStockThreshold', 0, v.MAX_STOCK);
    const orderColumns = 'o.id, c.email, o.status, o.payment_status, o.total_cents, o.created_at FROM orders o JOIN customers c ON c.id = o.customer_id';
    // One index walk per (payment state, status) on the (payment_status, status, created_at, id) index, merged here: an IN list would sort them all.
    const walk = (payment: PaymentStatus, status: OrderStatus) =>
      this.db.all<OrderRow>(`SELECT ${orderColumns} WHERE o.payment_status = ? AND o.status = ? ORDER BY o.created_at, o.id LIMIT ${LIST}`, [payment, status]);
    const [summary, topRows, lowRows, processing, paidPending, unpaidPending] = await Promise.all([
      this.db.all<{ day: string; status: OrderStatus; payment_status: PaymentStatus; n: number | string; cents: number | string; refunded: number | string }>(
        `SELECT day, status, payment_status, SUM(orders) AS n, SUM(total_cents) AS cents, SUM(refunded_cents) AS refunded
         FROM sales_daily WHERE day >= ? GROUP BY day, status, payment_status`,
        [from],
      ),
      this.db.all<{ id: number; name: string; email: string; n: number | string; cents: number | string }>(
        `SELECT c.id, c.name, c.email, m.orders AS n, m.total_cents AS cents FROM customer_sales_monthly m JOIN customers c ON c.id = m.customer_id
         WHERE m.month = ? AND m.orders > 0 ORDER BY m.total_cents DESC, m.customer_id LIMIT 5`,
        [month],
      ),
      this.db.all<{ id: number; product_id: number; name: string; title: string; sku: string | null; stock: number; is_default: number }>(
        `SELECT pv.id, pv.product_id, p.name, pv.title, pv.sku, pv.stock, pv.is_default FROM product_variants pv JOIN products p ON p.id = pv.product_id
         WHERE pv.stock < ? ORDER BY pv.stock, pv.id LIMIT ${LIST}`,
        [threshold],
      ),
      this.db.all<OrderRow>(`SELECT ${orderColumns} WHERE o.status = 'processing' ORDER BY o.created_at, o.id LIMIT ${LIST}`),
      Promise.all(PAID.map((p) => walk(p, 'pending'))),
      Promise.all(UNPAID.map((p) => walk(p, 'pending'))),
    ]);
    const sales = (rows: typeof summary): SalesFigures => {
      let orders = 0;
      let revenueCents = 0;
      let refundedCents = 0;
      for (const r of rows) {
        if (r.status === 'cancelled') continue;
        orders += Number(r.n);
        revenueCents += Number(r.cents);
        refundedCents += Number(r.refunded);
      }
      return { orders, revenueCents, averageOrderCents: orders === 0 ? 0 : Math.floor(revenueCents / orders), refundedCents };
    };
    const inWindow = summary.filter((r) => r.day >= windowStart);
    const perDay: DayFigures[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const date = new Date(Date.parse(`${today}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
      const f = sales(inWindow.filter((r) => r.day === date));
      perDay.push({ date, orders: f.orders, revenueCents: f.revenueCents });
    }
    const count = <K extends 'status' | 'payment_status'>(key: K) => {
      const totals = new Map<(typeof summary)[number][K], number>();
      for (const r of inWindow) totals.set(r[key], (totals.get(r[key]) ?? 0) + Number(r.n));
      return [...totals].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1));
    };
    const order = (r: OrderRow): WaitingOrder => ({
      orderId: r.id,
      email: r.email,
      status: r.status,
      paymentStatus: r.payment_status,
      totalCents: Number(r.total_cents),
      createdAt: r.created_at,
    });
    return {
      today: sales(summary.filter((r) => r.day === today)),
      month: sales(summary.filter((r) => r.day.startsWith(month))),
      perDay,
      byStatus: count('status').map(([status, orders]) => ({ status, orders })),
      byPayment: count('payment_status').map(([paymentStatus, orders]) => ({ paymentStatus, orders })),
      topCustomers: topRows.map((r) => ({ customerId: r.id, name: r.name, email: r.email, orders: Number(r.n), spentCents: Number(r.cents) })),
      lowStock: lowRows.map((r) => ({
        variantId: r.id,
        productId: r.product_id,
        name: r.is_default === 1 ? r.name : `${r.name} (${r.title})`,
        sku: r.sku,
        stock: r.stock,
      })),
      awaitingFulfilment: [...processing, ...paidPending.flat()].sort(byAge).slice(0, LIST).map(order),
      expiringUnpaid: unpaidPending
        .flat()
        .sort(byAge)
        .slice(0, LIST)
        .map((r) => ({ ...order(r), expiresAt: new Date(Date.parse(r.created_at) + this.timeoutSeconds * 1000).toISOString() })),
    };
  }
}
