import { EmptyCartError, InsufficientStockError, InvalidStatusTransitionError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { inList, isUniqueViolation, now } from '../db/sql.js';
import { lockCustomer, requireCustomer } from '../customers/service.js';
import { recordMovement } from '../inventory/service.js';
import { fromCents } from '../money.js';
import { recordRedemption, releaseRedemption, takeCartDiscount } from '../promotions/redeem.js';
import { emit } from '../notifications/outbox.js';
import { emitLowStock } from '../notifications/stock.js';
import * as v from '../validate.js';
import { assertTransition, ORDER_STATUSES, type OrderStatus } from './status.js';

export interface OrderItem {
  productId: number;
  productName: string;
  quantity: number;
  /** Unit price at the moment of the order. */
  price: number;
  priceCents: number;
  subtotal: number;
  subtotalCents: number;
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
}

export interface Order {
  id: number;
  customerId: number;
  customerName: string;
  customerEmail: string;
  status: OrderStatus;
  /** Sum of the lines at the prices of the moment. */
  subtotal: number;
  subtotalCents: number;
  /** Taken off by the discount code redeemed at checkout (0 without one). */
  discount: number;
  discountCents: number;
  discountCode: string | null;
  /** subtotal − discount: what the customer pays. */
  totalAmount: number;
  totalCents: number;
  createdAt: string;
  updatedAt: string;
  items: OrderItem[];
  statusHistory: StatusChange[];
}

export interface CreateOrderOptions {
  /** A retry with a key already used by this customer returns the first order and takes nothing twice. */
  idempotencyKey?: string;
}

interface OrderRow {
  id: number;
  customer_id: number;
  customer_name: string;
  customer_email: string;
  status: OrderStatus;
  subtotal_cents: number;
  discount_cents: number;
  discount_code: string | null;
  total_cents: number;
  created_at: string;
  updated_at: string;
}
interface ItemRow {
  order_id: number;
  product_id: number;
  product_name: string;
  quantity: number;
  price_cents: number;
}
interface HistoryRow {
  order_id: number;
  status: OrderStatus;
  at: string;
}
interface CartLine {
  product_id: number;
  quantity: number;
  name: string;
  price_cents: number;
}

const ORDER_SELECT = `SELECT o.id, o.customer_id, c.name AS customer_name, c.email AS customer_email, o.status,
  o.subtotal_cents, o.discount_cents, o.discount_code, o.total_cents, o.created_at, o.updated_at FROM orders o JOIN customers c ON c.id = o.customer_id`;

/**
 * Checkout, the engine's one critical transaction: read the cart, take stock line by line with a
 * conditional decrement (in product-id order, so concurrent checkouts on PostgreSQL lock rows in
 * the same order), write the order and its lines at the price of the moment, the ledger and the
 * first status, and empty the cart. Any failure throws and the caller's transaction rolls back.
 */
export async function checkout(tx: Executor, customerId: number, idempotencyKey: string | null): Promise<number> {
  // PostgreSQL: one checkout per customer at a time (SQLite writers are serialised already), so a
  // concurrent retry with the same key sees the first order, and one cart is never ordered twice.
  if (tx.dialect === 'postgres') await lockCustomer(tx, customerId);
  if (idempotencyKey !== null) {
    const prior = await tx.get<{ id: number }>('SELECT id FROM orders WHERE customer_id = ? AND idempotency_key = ?', [customerId, idempotencyKey]);
    if (prior) return prior.id;
  }
  const lines = await tx.all<CartLine>(
    `SELECT c.product_id, c.quantity, p.name, p.price_cents FROM cart_items c
     JOIN products p ON p.id = c.product_id WHERE c.customer_id = ? ORDER BY c.product_id`,
    [customerId],
  );
  if (lines.length === 0) {
    await requireCustomer(tx, customerId);
    throw new EmptyCartError(customerId);
  }
  let total = 0;
  const at = now();
  for (const line of lines) {
    const taken = await tx.run('UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?', [
      line.quantity,
      at,
      line.product_id,
      line.quantity,
    ]);
    if (taken.changes === 0) {
      const row = await tx.get<{ stock: number }>('SELECT stock FROM products WHERE id = ?', [line.product_id]);
      throw new InsufficientStockError(line.product_id, row?.stock ?? 0, line.quantity);
    }
    total += line.price_cents * line.quantity;
  }
  // Beyond 2^53 a double cannot hold the cents exactly: such a total is refused, never rounded.
  if (!Number.isSafeInteger(total)) {
    throw new ValidationError('The order total is too large to be exact', [{ path: 'cart', message: 'total exceeds the largest exact amount' }]);
  }
  // A code on the cart is validated and one use taken here; an unusable code fails the whole checkout.
  const redemption = await takeCartDiscount(tx, customerId, total, at);
  const discount = redemption?.discountCents ?? 0;
  const order = await tx.get<{ id: number }>(
    `INSERT INTO orders (customer_id, status, subtotal_cents, discount_cents, discount_code, total_cents, idempotency_key, created_at, updated_at)
     VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [customerId, total, discount, redemption?.code ?? null, total - discount, idempotencyKey, at, at],
  );
  const orderId = order!.id;
  for (const line of lines) {
    await tx.run('INSERT INTO order_items (order_id, product_id, product_name, quantity, price_cents) VALUES (?, ?, ?, ?, ?)', [
      orderId,
      line.product_id,
      line.name,
      line.quantity,
      line.price_cents,
    ]);
    await recordMovement(tx, line.product_id, -line.quantity, 'order', orderId);
  }
  await tx.run('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)', [orderId, 'pending', at]);
  if (redemption) await recordRedemption(tx, customerId, orderId, redemption, at);
  await tx.run('DELETE FROM cart_items WHERE customer_id = ?', [customerId]);
  await emitLowStock(tx, lines.map((l) => ({ productId: l.product_id, delta: -l.quantity })));
  await emit(tx, 'order.placed', { order: (await new OrderService(tx as Driver).get(orderId, tx))! });
  return orderId;
}

export class OrderService {
  constructor(private readonly db: Driver) {}

  async create(customerId: number, options: CreateOrderOptions = {}): Promise<number> {
    const cid = v.id(customerId, 'customerId');
    const opts = v.record(options, 'options', ['idempotencyKey']);
    const key = opts.idempotencyKey === undefined || opts.idempotencyKey === null ? null : v.text(opts.idempotencyKey, 'idempotencyKey', 255, 1);
    try {
      return await this.db.transaction((tx) => checkout(tx, cid, key));
    } catch (e) {
      // Two first attempts with one key raced on PostgreSQL: the loser returns the winner's order.
      if (key !== null && isUniqueViolation(e)) {
        const prior = await this.db.get<{ id: number }>('SELECT id FROM orders WHERE customer_id = ? AND idempotency_key = ?', [cid, key]);
        if (prior) return prior.id;
      }
      throw e;
    }
  }

  /** `ex`: read inside a caller's transaction (e.g. to store the order in an idempotent response). */
  async get(orderId: number, ex: Executor = this.db): Promise<Order | null> {
    const oid = v.id(orderId, 'orderId');
    const row = await ex.get<OrderRow>(`${ORDER_SELECT} WHERE o.id = ?`, [oid]);
    if (!row) return null;
    return (await this.hydrate(ex, [row]))[0]!;
  }

  /** Newest first. */
  async forCustomer(customerId: number, options: { limit?: number; beforeId?: number } = {}): Promise<Order[]> {
    const cid = v.id(customerId, 'customerId');
    const limit = v.integer(options.limit ?? 1000, 'limit', 1, 10_000);
    const before = options.beforeId === undefined ? Number.MAX_SAFE_INTEGER : v.id(options.beforeId, 'beforeId');
    const rows = await this.db.all<OrderRow>(`${ORDER_SELECT} WHERE o.customer_id = ? AND o.id < ? ORDER BY o.id DESC LIMIT ?`, [
      cid,
      before,
      limit,
    ]);
    if (rows.length === 0) await requireCustomer(this.db, cid);
    return this.hydrate(this.db, rows);
  }

  /** Newest first, optionally by status; keyset pagination on id. */
  async list(options: { status?: OrderStatus; limit?: number; beforeId?: number } = {}): Promise<Order[]> {
    const limit = v.integer(options.limit ?? 50, 'limit', 1, 500);
    const before = options.beforeId === undefined ? Number.MAX_SAFE_INTEGER : v.id(options.beforeId, 'beforeId');
    const rows =
      options.status === undefined
        ? await this.db.all<OrderRow>(`${ORDER_SELECT} WHERE o.id < ? ORDER BY o.id DESC LIMIT ?`, [before, limit])
        : await this.db.all<OrderRow>(`${ORDER_SELECT} WHERE o.status = ? AND o.id < ? ORDER BY o.id DESC LIMIT ?`, [
            v.oneOf(options.status, 'status', ORDER_STATUSES),
            before,
            limit,
          ]);
    return this.hydrate(this.db, rows);
  }

  /** `onlyFrom`: refuse unless the order is now in one of these (a customer may cancel only while pending). */
  async updateStatus(orderId: number, status: OrderStatus, options: { onlyFrom?: readonly OrderStatus[] } = {}): Promise<Order> {
    const oid = v.id(orderId, 'orderId');
    const to = v.oneOf(status, 'status', ORDER_STATUSES);
    await this.db.transaction(async (tx) => {
      // PostgreSQL: lock the row so the status read is the one the update replaces (SQLite writers are serialised).
      const current = await tx.get<{ status: OrderStatus }>(
        tx.dialect === 'postgres' ? 'SELECT status FROM orders WHERE id = ? FOR UPDATE' : 'SELECT status FROM orders WHERE id = ?',
        [oid],
      );
      if (!current) throw new NotFoundError('Order', oid);
      if (options.onlyFrom && !options.onlyFrom.includes(current.status)) throw new InvalidStatusTransitionError(current.status, to);
      assertTransition(current.status, to);
      const at = now();
      await tx.run('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?', [to, at, oid]);
      await tx.run('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)', [oid, to, at]);
      if (to === 'cancelled') {
        const items = await tx.all<{ product_id: number; quantity: number }>(
          'SELECT product_id, quantity FROM order_items WHERE order_id = ? ORDER BY product_id',
          [oid],
        );
        for (const item of items) {
          await tx.run('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?', [item.quantity, at, item.product_id]);
          await recordMovement(tx, item.product_id, item.quantity, 'order cancelled', oid);
        }
        await releaseRedemption(tx, oid, at);
      }
      const order = (await this.get(oid, tx))!;
      await emit(tx, 'order.status_changed', { order, from: current.status, to });
      if (to === 'cancelled') await emit(tx, 'order.cancelled', { order, from: current.status });
    });
    return (await this.get(oid))!;
  }

  /** Loads items and history for many orders with two queries, whatever their number. */
  private async hydrate(ex: Executor, rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const itemsIn = inList(ex.dialect, 'order_id', ids);
    const items = await ex.all<ItemRow>(
      `SELECT order_id, product_id, product_name, quantity, price_cents FROM order_items WHERE ${itemsIn.sql} ORDER BY order_id, id`,
      itemsIn.params,
    );
    const history = await ex.all<HistoryRow>(
      `SELECT order_id, status, at FROM order_status_history WHERE ${itemsIn.sql} ORDER BY order_id, id`,
      itemsIn.params,
    );
    const byOrder = new Map<number, Order>();
    const orders = rows.map((r) => {
      const o: Order = {
        id: r.id,
        customerId: r.customer_id,
        customerName: r.customer_name,
        customerEmail: r.customer_email,
        status: r.status,
        subtotal: fromCents(r.subtotal_cents),
        subtotalCents: r.subtotal_cents,
        discount: fromCents(r.discount_cents),
        discountCents: r.discount_cents,
        discountCode: r.discount_code,
        totalAmount: fromCents(r.total_cents),
        totalCents: r.total_cents,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        items: [],
        statusHistory: [],
      };
      byOrder.set(r.id, o);
      return o;
    });
    for (const i of items) {
      byOrder.get(i.order_id)!.items.push({
        productId: i.product_id,
        productName: i.product_name,
        quantity: i.quantity,
        price: fromCents(i.price_cents),
        priceCents: i.price_cents,
        subtotal: fromCents(i.price_cents * i.quantity),
        subtotalCents: i.price_cents * i.quantity,
      });
    }
    for (const h of history) byOrder.get(h.order_id)!.statusHistory.push({ status: h.status, at: h.at });
    return orders;
  }
}
