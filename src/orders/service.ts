import { InvalidStatusTransitionError, isStorekeeperError, NotFoundError } from '../errors.js';
import { hashToken } from '../auth/tokens.js';
import type { CartOwner } from '../cart/owner.js';
import type { Driver, Executor } from '../db/driver.js';
import { inList, isUniqueViolation, now } from '../db/sql.js';
import { requireCustomer } from '../customers/service.js';
import { recordMovement } from '../inventory/service.js';
import { releaseRedemption } from '../promotions/redeem.js';
import { DEFAULT_SHOP, type ShopSettings } from '../shop/settings.js';
import { emit } from '../notifications/outbox.js';
import * as v from '../validate.js';
import { checkoutInput, findKeyedOrder, guestAccessToken, placeOrder, resolveBuyer, type CheckoutOptions, type CheckoutResult, type PlacedOrder } from './checkout.js';
import { toOrders, type HistoryRow, type ItemRow, type Order, type OrderRow } from './order.js';
import { assertTransition, ORDER_STATUSES, type OrderStatus } from './status.js';

export type { Order, OrderItem, StatusChange } from './order.js';

export type { CheckoutOptions, CheckoutResult } from './checkout.js';

/** What the payment service (src/payments) does when an order moves: checks and effects in the move's transaction, provider calls after it. */
export interface OrderPaymentHooks {
  onStatusChange(tx: Executor, orderId: number, from: OrderStatus, to: OrderStatus): Promise<number[]>;
  afterStatusChange(operationIds: number[]): Promise<void>;
}

/** Kept for existing callers: createOrder(customerId, options). */
export type CreateOrderOptions = CheckoutOptions;

const ORDER_SELECT = `SELECT o.id, o.customer_id, c.name AS customer_name, c.email AS customer_email, o.status, o.currency,
  o.subtotal_cents, o.discount_cents, o.discount_code, o.shipping_cents, o.shipping_tax_cents, o.tax_cents, o.prices_include_tax,
  o.shipping_method_id, o.shipping_method_name, o.shipping_address, o.billing_address, o.placed_as_guest,
  o.total_cents, o.created_at, o.updated_at FROM orders o JOIN customers c ON c.id = o.customer_id`;

/** A customer sees their account's orders, and guest orders of their email once it is confirmed. */
const VISIBLE_TO_CUSTOMER = '(o.placed_as_guest = 0 OR c.email_verified_at IS NOT NULL)';

/** Checkout inside a caller's transaction (the idempotent HTTP checkout stores its response in the same one). */
export async function checkout(tx: Executor, owner: CartOwner, options: CheckoutOptions, shop: ShopSettings): Promise<CheckoutResult> {
  const input = checkoutInput(options);
  const buyer = await resolveBuyer(tx, owner, input);
  return resultOf(await placeOrder(tx, buyer, input, shop));
}

/** The library's result: the order object placeOrder built stays internal. */
function resultOf(placed: PlacedOrder): CheckoutResult {
  return { orderId: placed.orderId, accessToken: placed.accessToken, replayed: placed.replayed };
}

export class OrderService {
  /** Set by the platform: payments take part in every status change. */
  paymentHooks: OrderPaymentHooks | null = null;

  constructor(
    private readonly db: Driver,
    private readonly shop: ShopSettings = DEFAULT_SHOP,
  ) {}

  /** The account's checkout; returns the order id (the first order's for a reused idempotency key). */
  async create(customerId: number, options: CheckoutOptions = {}): Promise<number> {
    return (await this.checkout(v.id(customerId, 'customerId'), options)).orderId;
  }

  /** Checkout of an account's or a guest's cart. */
  async checkout(owner: CartOwner, options: CheckoutOptions = {}): Promise<CheckoutResult> {
    const input = checkoutInput(options);
    try {
      return resultOf(await this.db.transaction(async (tx) => placeOrder(tx, await resolveBuyer(tx, owner, input), input, this.shop)));
    } catch (e) {
      // Two first attempts with one key raced on PostgreSQL: the loser returns the winner's order.
      if (input.key !== null && isUniqueViolation(e) && !isStorekeeperError(e)) {
        const replay = await this.db.transaction(async (tx) => {
          const buyer = await resolveBuyer(tx, owner, input);
          const prior = await findKeyedOrder(tx, buyer);
          return prior && { orderId: prior.id, accessToken: guestAccessToken(buyer), replayed: true };
        });
        if (replay) return replay;
      }
      throw e;
    }
  }

  /** A guest's order by its access token; null for a wrong token exactly as for a missing order. */
  async getByAccessToken(orderId: number, accessToken: string): Promise<Order | null> {
    const oid = v.id(orderId, 'orderId');
    if (typeof accessToken !== 'string' || accessToken.length < 20 || accessToken.length > 200) return null;
    const row = await this.db.get<OrderRow>(`${ORDER_SELECT} WHERE o.id = ? AND o.access_token_hash = ?`, [oid, hashToken(accessToken)]);
    return row ? (await this.hydrate(this.db, [row]))[0]! : null;
  }

  /** The customer's order as their history shows it (a guest order of their email only once it is confirmed). */
  async getForCustomer(customerId: number, orderId: number): Promise<Order | null> {
    const row = await this.db.get<OrderRow>(`${ORDER_SELECT} WHERE o.id = ? AND o.customer_id = ? AND ${VISIBLE_TO_CUSTOMER}`, [
      v.id(orderId, 'orderId'),
      v.id(customerId, 'customerId'),
    ]);
    return row ? (await this.hydrate(this.db, [row]))[0]! : null;
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
    const rows = await this.db.all<OrderRow>(`${ORDER_SELECT} WHERE o.customer_id = ? AND ${VISIBLE_TO_CUSTOMER} AND o.id < ? ORDER BY o.id DESC LIMIT ?`, [
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

  /**
   * `onlyFrom`: refuse unless the order is now in one of these (a customer may cancel only while pending).
   * `guard`: a last check inside the transaction, after the order row is locked.
   */
  async updateStatus(
    orderId: number,
    status: OrderStatus,
    options: { onlyFrom?: readonly OrderStatus[]; guard?: (tx: Executor) => Promise<void> } = {},
  ): Promise<Order> {
    const oid = v.id(orderId, 'orderId');
    const to = v.oneOf(status, 'status', ORDER_STATUSES);
    const operations = await this.db.transaction(async (tx) => {
      // PostgreSQL: lock the row so the status read is the one the update replaces (SQLite writers are serialised).
      const current = await tx.get<{ status: OrderStatus }>(
        tx.dialect === 'postgres' ? 'SELECT status FROM orders WHERE id = ? FOR UPDATE' : 'SELECT status FROM orders WHERE id = ?',
        [oid],
      );
      if (!current) throw new NotFoundError('Order', oid);
      if (options.onlyFrom && !options.onlyFrom.includes(current.status)) throw new InvalidStatusTransitionError(current.status, to);
      assertTransition(current.status, to);
      await options.guard?.(tx);
      const operations = (await this.paymentHooks?.onStatusChange(tx, oid, current.status, to)) ?? [];
      const at = now();
      await tx.run('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?', [to, at, oid]);
      await tx.run('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)', [oid, to, at]);
      if (to === 'cancelled') {
        const items = await tx.all<{ product_id: number; variant_id: number; quantity: number }>(
          'SELECT product_id, variant_id, quantity FROM order_items WHERE order_id = ? ORDER BY variant_id',
          [oid],
        );
        // Variants first, then products, each in id order: the lock order checkout uses.
        const perProduct = new Map<number, number>();
        for (const item of items) {
          await tx.run('UPDATE product_variants SET stock = stock + ?, updated_at = ? WHERE id = ?', [item.quantity, at, item.variant_id]);
          perProduct.set(item.product_id, (perProduct.get(item.product_id) ?? 0) + item.quantity);
        }
        for (const [productId, quantity] of [...perProduct].sort((a, b) => a[0] - b[0])) {
          await tx.run('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?', [quantity, at, productId]);
        }
        for (const item of items) await recordMovement(tx, item.product_id, item.quantity, 'order cancelled', oid, item.variant_id);
        await releaseRedemption(tx, oid, at);
      }
      const order = (await this.get(oid, tx))!;
      await emit(tx, 'order.status_changed', { order, from: current.status, to });
      if (to === 'cancelled') await emit(tx, 'order.cancelled', { order, from: current.status });
      return operations;
    });
    await this.paymentHooks?.afterStatusChange(operations);
    return (await this.get(oid))!;
  }

  /** Loads items and history for many orders with two queries, whatever their number. */
  private async hydrate(ex: Executor, rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const itemsIn = inList(ex.dialect, 'order_id', ids);
    const items = await ex.all<ItemRow>(
      `SELECT order_id, product_id, variant_id, sku, variant_title, product_name, quantity, price_cents, discount_cents, tax_cents, tax_rate_milli
       FROM order_items WHERE ${itemsIn.sql} ORDER BY order_id, id`,
      itemsIn.params,
    );
    const history = await ex.all<HistoryRow>(
      `SELECT order_id, status, at FROM order_status_history WHERE ${itemsIn.sql} ORDER BY order_id, id`,
      itemsIn.params,
    );
    return toOrders(rows, items, history);
  }
}
