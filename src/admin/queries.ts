import type { Driver } from '../db/driver.js';
import { ValidationError } from '../errors.js';
import { ORDER_STATUSES, type OrderStatus } from '../orders/status.js';
import type { PaymentStatus } from '../payments/ledger.js';
import { refundTerms } from '../payments/service.js';
import { evictCustomerSessions } from '../auth/session-cache.js';
import * as v from '../validate.js';

/**
 * The admin panel's list queries. Every list is a keyset page (the position of the last row, never
 * an OFFSET, never a COUNT(*) over a whole table), so a page costs the same at a million rows.
 */

/** The payment states an order can be in (docs/PAYMENTS.md), in the order of a payment's life. */
export const PAYMENT_STATUSES = ['unpaid', 'authorized', 'paid', 'partially_refunded', 'refunded', 'voided'] as const satisfies readonly PaymentStatus[];

export interface OrderFilter {
  status?: OrderStatus;
  payment?: PaymentStatus;
  /** Emails starting with this text (an exact address matches itself). */
  email?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  from?: string;
  to?: string;
}

export interface OrderRowView {
  id: number;
  customerId: number;
  email: string;
  name: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  subtotalCents: number;
  discountCents: number;
  discountCode: string | null;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  createdAt: string;
}

/** A keyset position: (created_at, id) of the last row shown. */
export interface Position {
  at: string;
  id: number;
}

export function encodePosition(p: Position): string {
  return Buffer.from(`${p.at}|${p.id}`).toString('base64url');
}

export function decodePosition(text: string | undefined): Position | null {
  if (!text) return null;
  const raw = /^[A-Za-z0-9_-]{1,120}$/.test(text) ? Buffer.from(text, 'base64url').toString() : '';
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|([1-9]\d{0,15})$/.exec(raw);
  if (!m) throw new ValidationError('The page link is malformed', [{ path: 'after', message: 'is not a page position' }]);
  return { at: m[1]!, id: Number(m[2]) };
}

const DAY = /^\d{4}-\d\d-\d\d$/;

export function day(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new ValidationError(`${field} must be a date (YYYY-MM-DD)`, [{ path: field, message: 'must be YYYY-MM-DD' }]);
  }
  return value;
}

function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The range of strings that start with `prefix` (index-friendly, unlike LIKE on PostgreSQL). */
function prefixRange(prefix: string): [string, string] {
  return [prefix, prefix + '\uffff'];
}

export interface KeysetPage<T> {
  items: T[];
  /** The position to ask for the next page; null on the last. */
  next: string | null;
}

export class AdminQueries {
  constructor(private readonly db: Driver) {}

  async orders(filter: OrderFilter, after: Position | null, limit = 50): Promise<KeysetPage<OrderRowView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('o.status = ?');
      params.push(v.oneOf(filter.status, 'status', ORDER_STATUSES));
    }
    if (filter.payment !== undefined) {
      where.push('o.payment_status = ?');
      params.push(v.oneOf(filter.payment, 'payment', PAYMENT_STATUSES));
    }
    if (filter.email) {
      const [lo, hi] = prefixRange(filter.email.trim().toLowerCase());
      where.push('o.customer_id IN (SELECT id FROM customers WHERE email >= ? AND email < ?)');
      params.push(lo, hi);
    }
    const from = day(filter.from, 'from');
    const to = day(filter.to, 'to');
    if (from) {
      where.push('o.created_at >= ?');
      params.push(`${from}T00:00:00.000Z`);
    }
    if (to) {
      where.push('o.created_at < ?');
      params.push(`${nextDay(to)}T00:00:00.000Z`);
    }
    if (after) {
      where.push('(o.created_at < ? OR (o.created_at = ? AND o.id < ?))');
      params.push(after.at, after.at, after.id);
    }
    const rows = await this.db.all<{
      id: number;
      customer_id: number;
      email: string;
      name: string;
      status: OrderStatus;
      payment_status: PaymentStatus;
      subtotal_cents: number;
      discount_cents: number;
      discount_code: string | null;
      total_cents: number;
      paid_cents: number;
      refunded_cents: number;
      created_at: string;
    }>(
      `SELECT o.id, o.customer_id, c.email, c.name, o.status, o.payment_status, o.subtotal_cents, o.discount_cents, o.discount_code, o.total_cents, o.paid_cents, o.refunded_cents, o.created_at
       FROM orders o JOIN customers c ON c.id = o.customer_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY o.created_at DESC, o.id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      email: r.email,
      name: r.name,
      status: r.status,
      paymentStatus: r.payment_status,
      subtotalCents: Number(r.subtotal_cents),
      discountCents: Number(r.discount_cents),
      discountCode: r.discount_code,
      totalCents: Number(r.total_cents),
      paidCents: Number(r.paid_cents),
      refundedCents: Number(r.refunded_cents),
      createdAt: r.created_at,
    }));
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? encodePosition({ at: last.createdAt, id: last.id }) : null };
  }

  /** Customers by id; `q` narrows to emails starting with it. */
  async customers(q: string | undefined, afterId: number, limit = 50): Promise<KeysetPage<{ id: number; email: string; name: string; createdAt: string; role: string | null }>> {
    const params: unknown[] = [];
    let where = 'c.id > ?';
    params.push(afterId);
    if (q) {
      const [lo, hi] = prefixRange(q.trim().toLowerCase());
      where += ' AND c.email >= ? AND c.email < ?';
      params.push(lo, hi);
    }
    const rows = await this.db.all<{ id: number; email: string; name: string; created_at: string; role: string | null }>(
      `SELECT c.id, c.email, c.name, c.created_at, a.role FROM customers c LEFT JOIN accounts a ON a.customer_id = c.id
       WHERE ${where} ORDER BY c.id LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({ id: r.id, email: r.email, name: r.name, createdAt: r.created_at, role: r.role }));
    return { items, next: rows.length > limit ? String(items[items.length - 1]!.id) : null };
  }

  /** Products newest first; `q` narrows to names starting with it, `category` to one category. */
  async products(
    filter: { q?: string; category?: string; lowStock?: boolean },
    beforeId: number | null,
    limit = 50,
  ): Promise<KeysetPage<{ id: number; name: string; category: string | null; priceCents: number; stock: number }>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.q) {
      const [lo, hi] = prefixRange(filter.q.trim());
      where.push('name >= ? AND name < ?');
      params.push(lo, hi);
    }
    if (filter.category) {
      where.push('category = ?');
      params.push(filter.category);
    }
    if (filter.lowStock) where.push('stock < 10');
    if (beforeId !== null) {
      where.push('id < ?');
      params.push(beforeId);
    }
    const rows = await this.db.all<{ id: number; name: string; category: string | null; price_cents: number; stock: number }>(
      `SELECT id, name, category, price_cents, stock FROM products ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({ id: r.id, name: r.name, category: r.category, priceCents: Number(r.price_cents), stock: r.stock }));
    return { items, next: rows.length > limit ? String(items[items.length - 1]!.id) : null };
  }

  /** Reviews newest first, optionally of one rating or only the hidden ones. */
  async reviews(
    filter: { rating?: number; hidden?: boolean },
    beforeId: number | null,
    limit = 50,
  ): Promise<KeysetPage<{ id: number; productId: number; productName: string; author: string; rating: number; title: string | null; body: string | null; hidden: boolean; createdAt: string }>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.rating !== undefined) {
      where.push('r.rating = ?');
      params.push(v.integer(filter.rating, 'rating', 1, 5));
    }
    if (filter.hidden) where.push('r.hidden = 1');
    if (beforeId !== null) {
      where.push('r.id < ?');
      params.push(beforeId);
    }
    const rows = await this.db.all<{ id: number; product_id: number; product_name: string; author: string; rating: number; title: string | null; body: string | null; hidden: number; created_at: string }>(
      `SELECT r.id, r.product_id, p.name AS product_name, c.name AS author, r.rating, r.title, r.body, r.hidden, r.created_at
       FROM reviews r JOIN products p ON p.id = r.product_id JOIN customers c ON c.id = r.customer_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      productId: r.product_id,
      productName: r.product_name,
      author: r.author,
      rating: r.rating,
      title: r.title,
      body: r.body,
      hidden: Number(r.hidden) === 1,
      createdAt: r.created_at,
    }));
    return { items, next: rows.length > limit ? String(items[items.length - 1]!.id) : null };
  }

  async staff(): Promise<{ id: number; email: string; name: string; role: string; createdAt: string }[]> {
    const rows = await this.db.all<{ id: number; email: string; name: string; role: string; created_at: string }>(
      `SELECT c.id, c.email, c.name, a.role, a.created_at FROM accounts a JOIN customers c ON c.id = a.customer_id
       WHERE a.role IN ('admin', 'staff') ORDER BY c.id`,
    );
    return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, role: r.role, createdAt: r.created_at }));
  }

  async setRole(customerId: number, role: 'admin' | 'staff' | 'customer'): Promise<void> {
    await this.db.run('UPDATE accounts SET role = ?, updated_at = ? WHERE customer_id = ?', [role, new Date().toISOString(), v.id(customerId, 'customerId')]);
    evictCustomerSessions(this.db, customerId);
  }
}

/** One email of an order's events (the outbox's message), as the order page lists it. */
export interface OrderEmail {
  id: number;
  eventType: string;
  template: string | null;
  recipient: string | null;
  status: 'pending' | 'sent' | 'failed' | 'dead';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

/** The emails of an order's events, oldest first (two index lookups: migration 014). */
export async function orderEmails(db: Driver, orderId: number, limit = 200): Promise<OrderEmail[]> {
  const rows = await db.all<{
    id: number;
    type: string;
    template: string | null;
    recipient: string | null;
    status: OrderEmail['status'];
    attempts: number;
    last_error: string | null;
    sent_at: string | null;
    created_at: string;
  }>(
    `SELECT n.id, e.type, n.template, n.recipient, n.status, n.attempts, n.last_error, n.sent_at, n.created_at
     FROM outbox_events e JOIN notifications n ON n.event_id = e.id
     WHERE e.order_id = ? AND n.kind = 'email' ORDER BY n.id LIMIT ?`,
    [v.id(orderId, 'orderId'), limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    eventType: r.type,
    template: r.template,
    recipient: r.recipient,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
  }));
}

/** One refund of an order as its operation row froze it (amount, reason, restocked lines). */
export interface OrderRefund {
  id: number;
  status: 'pending' | 'succeeded' | 'failed';
  amountCents: number;
  reason: string | null;
  restock: { variantId: number; quantity: number }[];
  error: string | null;
  createdAt: string;
}

/** An order's refunds, oldest first, and how much of each variant they put back on the shelf. */
export async function orderRefunds(db: Driver, orderId: number): Promise<{ refunds: OrderRefund[]; restocked: Map<number, number> }> {
  const oid = v.id(orderId, 'orderId');
  const rows = await db.all<{ id: number; status: OrderRefund['status']; amount_cents: number; params: string; error: string | null; created_at: string }>(
    "SELECT id, status, amount_cents, params, error, created_at FROM payment_operations WHERE order_id = ? AND kind = 'refund' ORDER BY id",
    [oid],
  );
  const restocked = new Map<number, number>();
  for (const r of await db.all<{ variant_id: number; quantity: number }>(
    'SELECT variant_id, SUM(quantity) AS quantity FROM payment_restocks WHERE order_id = ? GROUP BY variant_id',
    [oid],
  )) {
    restocked.set(Number(r.variant_id), Number(r.quantity));
  }
  const refunds = rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    amountCents: Number(r.amount_cents),
    ...refundTerms(r.params),
    error: r.error,
    createdAt: r.created_at,
  }));
  return { refunds, restocked };
}

/** The latest stock movements of a product (the full ledger can be long: a CSV export has it all). */
export async function latestMovements(
  db: Driver,
  productId: number,
  limit = 100,
): Promise<{ id: number; delta: number; reason: string; orderId: number | null; createdAt: string }[]> {
  const rows = await db.all<{ id: number; delta: number; reason: string; order_id: number | null; created_at: string }>(
    'SELECT id, delta, reason, order_id, created_at FROM inventory_movements WHERE product_id = ? ORDER BY id DESC LIMIT ?',
    [v.id(productId, 'productId'), limit],
  );
  return rows.map((r) => ({ id: r.id, delta: r.delta, reason: r.reason, orderId: r.order_id, createdAt: r.created_at }));
}
