import { createHash, randomBytes } from 'node:crypto';
import { parseAddress, type Address } from '../addresses/address.js';
import { readAddress } from '../addresses/service.js';
import { hashToken } from '../auth/tokens.js';
import { cartLines } from '../cart/service.js';
import { checkOwner, type CartOwner } from '../cart/owner.js';
import type { Executor } from '../db/driver.js';
import { runBatch, statement } from '../db/batch.js';
import { insertStatements, now } from '../db/sql.js';
import { ConflictError, EmptyCartError, InsufficientStockError, NotFoundError, ValidationError } from '../errors.js';
import { movementStatements } from '../inventory/service.js';
import { outboxWrite } from '../notifications/outbox.js';
import { emitLowStockCrossings } from '../notifications/stock.js';
import { redemptionStatement, takeDiscount } from '../promotions/redeem.js';
import { quoteShipping } from '../shipping/service.js';
import type { ShopSettings } from '../shop/settings.js';
import { computeTotals } from '../tax/compute.js';
import { toOrders, type ItemRow, type Order, type OrderRow } from './order.js';
import { taxRatesFor } from '../tax/service.js';
import * as v from '../validate.js';

export interface CheckoutOptions {
  /** A retry with a key already used for this cart returns the first order and takes nothing twice. */
  idempotencyKey?: string;
  /** Required for a guest; the order is filed under this email. */
  email?: string;
  /** The destination (or `shippingAddressId`, an address of the customer's book). Required for guests and when the shop ships. */
  shippingAddress?: Address | Omit<Address, 'line2' | 'region' | 'phone'>;
  shippingAddressId?: number;
  /** Default: the shipping address. */
  billingAddress?: Address | Omit<Address, 'line2' | 'region' | 'phone'>;
  /** Required when the shop has any active shipping method. */
  shippingMethodId?: number;
  /** The total the shopper was shown; when given and the order would differ, nothing is ordered (409). */
  expectedTotalCents?: number;
}

/** Options checked before the transaction (nothing here reads the database). */
export interface CheckoutInput {
  key: string | null;
  email: string | null;
  shippingAddress: Address | null;
  shippingAddressId: number | null;
  billingAddress: Address | null;
  shippingMethodId: number | null;
  expectedTotalCents: number | null;
}

export interface CheckoutResult {
  orderId: number;
  /** Guests only: the secret that shows this one order (GET /api/orders/:id?token=); only its hash is stored. */
  accessToken: string | null;
  /** The idempotency key found an earlier order. */
  replayed: boolean;
}

export const CHECKOUT_FIELDS = ['idempotencyKey', 'email', 'shippingAddress', 'shippingAddressId', 'billingAddress', 'shippingMethodId', 'expectedTotalCents'] as const;

export function checkoutInput(options: unknown): CheckoutInput {
  const o = v.record(options ?? {}, 'options', CHECKOUT_FIELDS);
  const given = (x: unknown) => x !== undefined && x !== null;
  if (given(o.shippingAddress) && given(o.shippingAddressId)) {
    throw new ValidationError('give shippingAddress or shippingAddressId, not both', [{ path: 'shippingAddressId', message: 'conflicts with shippingAddress' }]);
  }
  return {
    key: given(o.idempotencyKey) ? v.text(o.idempotencyKey, 'idempotencyKey', 255, 1) : null,
    email: given(o.email) ? v.email(o.email) : null,
    shippingAddress: given(o.shippingAddress) ? parseAddress(o.shippingAddress, 'shippingAddress') : null,
    shippingAddressId: given(o.shippingAddressId) ? v.id(o.shippingAddressId, 'shippingAddressId') : null,
    billingAddress: given(o.billingAddress) ? parseAddress(o.billingAddress, 'billingAddress') : null,
    shippingMethodId: given(o.shippingMethodId) ? v.id(o.shippingMethodId, 'shippingMethodId') : null,
    expectedTotalCents: given(o.expectedTotalCents) ? v.integer(o.expectedTotalCents, 'expectedTotalCents', 0, Number.MAX_SAFE_INTEGER) : null,
  };
}

/** Who is checking out, resolved and locked inside the transaction. */
export interface Buyer {
  /** The customers row the order is filed under (for a guest: the row of the email). */
  customerId: number;
  /** That row's name and email as the order shows them. */
  name: string;
  email: string;
  guestCartId: number | null;
  guestToken: string | null;
  /** The idempotency key as stored: a guest's is scoped to the guest cart. */
  storedKey: string | null;
  discountCode: string | null;
}

const required = (path: string, why: string) => new ValidationError(`${path} is required ${why}`, [{ path, message: `is required ${why}` }]);

/**
 * Resolves (and on PostgreSQL locks) the buyer. A guest needs an email and a shipping address;
 * the order goes to that email's customers row, created as a guest row when there is none, so
 * registering with the email later claims it (and its orders, once the email is confirmed).
 */
export async function resolveBuyer(tx: Executor, owner: CartOwner, input: CheckoutInput): Promise<Buyer> {
  const o = checkOwner(owner);
  if ('customerId' in o) {
    // PostgreSQL: one checkout per customer at a time (SQLite writers are serialised already).
    const row = await tx.get<{ name: string; email: string; code: string | null }>(
      `SELECT c.name, c.email, d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = ?${tx.dialect === 'postgres' ? ' FOR NO KEY UPDATE OF c' : ''}`,
      [o.customerId],
    );
    if (!row) throw new NotFoundError('Customer', o.customerId);
    return { customerId: o.customerId, name: row.name, email: row.email, guestCartId: null, guestToken: null, storedKey: input.key, discountCode: row.code };
  }
  if (input.email === null) throw required('email', 'for a guest checkout');
  if (input.shippingAddress === null) {
    if (input.shippingAddressId !== null) throw new ValidationError('A guest has no address book', [{ path: 'shippingAddressId', message: 'give shippingAddress' }]);
    throw required('shippingAddress', 'for a guest checkout');
  }
  const cart = await tx.get<{ id: number; discount_code: string | null }>(
    tx.dialect === 'postgres' ? 'SELECT id, discount_code FROM guest_carts WHERE token_hash = ? FOR UPDATE' : 'SELECT id, discount_code FROM guest_carts WHERE token_hash = ?',
    [o.tokenHash],
  );
  if (!cart) throw new NotFoundError('Cart', 'for this token');
  // One statement whether the email is new or known; DO UPDATE (not NOTHING) so RETURNING always has the row.
  const customer = await tx.get<{ id: number; name: string; email: string }>(
    `INSERT INTO customers (email, name, created_at, guest) VALUES (?, ?, ?, 1)
     ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id, name, email`,
    [input.email, input.shippingAddress.name, now()],
  );
  return {
    customerId: customer!.id,
    name: customer!.name,
    email: customer!.email,
    guestCartId: cart.id,
    guestToken: (owner as { guestToken: string }).guestToken,
    storedKey: input.key === null ? null : `guest:${cart.id}:${input.key}`,
    discountCode: cart.discount_code,
  };
}

/** With a key the token is derived from the cart token, so a replay can hand out the same one; only its hash is stored. */
export function guestAccessToken(buyer: Buyer): string | null {
  if (buyer.guestToken === null) return null;
  if (buyer.storedKey === null) return randomBytes(32).toString('base64url');
  return createHash('sha256').update('order-access:').update(buyer.guestToken).update('\n').update(buyer.storedKey).digest('base64url');
}

export function findKeyedOrder(ex: Executor, buyer: Buyer): Promise<{ id: number } | undefined> {
  return ex.get<{ id: number }>('SELECT id FROM orders WHERE customer_id = ? AND idempotency_key = ?', [buyer.customerId, buyer.storedKey]);
}

/** What placeOrder wrote: the order as the API shows it (null for a replay, which wrote nothing). */
export interface PlacedOrder extends CheckoutResult {
  order: Order | null;
}

/**
 * Checkout, the engine's one critical transaction: read the cart, resolve the addresses, quote
 * shipping, read the destination's tax rates, take the discount, compute every total, write the
 * order with copies of its addresses; then, in one batch (src/db/batch.ts; on PostgreSQL one
 * statement), its lines, the ledger, the first status, the redemption, the emptied cart, the
 * order.placed event and, last, the stock: per variant a conditional decrement in variant-id
 * order, then the products' totals in product-id order (the order cancel and refund use). So on
 * PostgreSQL the stock rows stay locked for one statement and the COMMIT only. The order is built
 * from what was written, never read back. Any failure throws and the caller's transaction rolls back.
 */
export async function placeOrder(tx: Executor, buyer: Buyer, input: CheckoutInput, shop: ShopSettings): Promise<PlacedOrder> {
  if (buyer.storedKey !== null) {
    const prior = await findKeyedOrder(tx, buyer);
    if (prior) return { orderId: prior.id, accessToken: guestAccessToken(buyer), replayed: true, order: null };
  }
  const ref = buyer.guestCartId === null ? { column: 'customer_id' as const, id: buyer.customerId } : { column: 'guest_cart_id' as const, id: buyer.guestCartId };
  const lines = await cartLines(tx, ref, { ships: true });
  if (lines.length === 0) throw new EmptyCartError(buyer.guestCartId === null ? buyer.customerId : null);
  let subtotal = 0;
  for (const l of lines) subtotal += l.price_cents * l.quantity;
  // Beyond 2^53 a double cannot hold the cents exactly: such a total is refused, never rounded.
  if (!Number.isSafeInteger(subtotal)) {
    throw new ValidationError('The order total is too large to be exact', [{ path: 'cart', message: 'total exceeds the largest exact amount' }]);
  }
  let shipping = input.shippingAddress;
  if (input.shippingAddressId !== null) {
    const { name, line1, line2, city, region, postalCode, country, phone } = await readAddress(tx, buyer.customerId, input.shippingAddressId);
    shipping = { name, line1, line2, city, region, postalCode, country, phone };
  }
  const billing = input.billingAddress ?? shipping;
  const at = now();
  // A code on the cart is validated and one use taken here; an unusable code fails the whole checkout.
  const redemption = buyer.discountCode === null ? null : await takeDiscount(tx, buyer.discountCode, buyer.customerId, subtotal, at);
  const discount = redemption?.discountCents ?? 0;
  let method: { methodId: number; name: string; priceCents: number } | null = null;
  if (input.shippingMethodId !== null) {
    if (shipping === null) throw required('shippingAddress', 'with a shipping method');
    method = await quoteShipping(tx, input.shippingMethodId, shipping.country, subtotal - discount);
  } else if (lines[0]!.ships !== null) {
    throw required('shippingMethodId', 'when the shop ships');
  }
  const rates = shipping === null ? [] : await taxRatesFor(tx, shipping.country);
  const totals = computeTotals({
    lines: lines.map((l) => ({ amountCents: l.price_cents * l.quantity, category: l.category })),
    discountCents: discount,
    shippingCents: method?.priceCents ?? 0,
    rates,
    pricesIncludeTax: shop.pricesIncludeTax,
  });
  if (input.expectedTotalCents !== null && input.expectedTotalCents !== totals.totalCents) {
    throw new ConflictError('The order total differs from the expected total; review the cart', {
      expectedTotalCents: input.expectedTotalCents,
      totalCents: totals.totalCents,
    });
  }
  const accessToken = guestAccessToken(buyer);
  const row: Omit<OrderRow, 'id'> = {
    customer_id: buyer.customerId,
    customer_name: buyer.name,
    customer_email: buyer.email,
    status: 'pending',
    currency: shop.currency.code,
    subtotal_cents: totals.subtotalCents,
    discount_cents: totals.discountCents,
    discount_code: redemption?.code ?? null,
    shipping_cents: totals.shippingCents,
    shipping_tax_cents: totals.shippingTaxCents,
    tax_cents: totals.taxCents,
    prices_include_tax: shop.pricesIncludeTax ? 1 : 0,
    shipping_method_id: method?.methodId ?? null,
    shipping_method_name: method?.name ?? null,
    shipping_address: shipping === null ? null : JSON.stringify(shipping),
    billing_address: billing === null ? null : JSON.stringify(billing),
    placed_as_guest: buyer.guestCartId === null ? 0 : 1,
    total_cents: totals.totalCents,
    created_at: at,
    updated_at: at,
  };
  const inserted = await tx.get<{ id: number }>(
    `INSERT INTO orders (customer_id, status, subtotal_cents, discount_cents, discount_code, shipping_cents, shipping_tax_cents, tax_cents, total_cents,
       currency, prices_include_tax, shipping_method_id, shipping_method_name, shipping_address, billing_address, placed_as_guest, access_token_hash,
       idempotency_key, created_at, updated_at)
     VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      row.customer_id,
      row.subtotal_cents,
      row.discount_cents,
      row.discount_code,
      row.shipping_cents,
      row.shipping_tax_cents,
      row.tax_cents,
      row.total_cents,
      row.currency,
      row.prices_include_tax,
      row.shipping_method_id,
      row.shipping_method_name,
      row.shipping_address,
      row.billing_address,
      row.placed_as_guest,
      accessToken === null ? null : hashToken(accessToken),
      buyer.storedKey,
      at,
      at,
    ],
  );
  const orderId = inserted!.id;
  const items: ItemRow[] = lines.map((l, i) => {
    const t = totals.lines[i]!;
    return {
      order_id: orderId,
      product_id: l.product_id,
      variant_id: l.variant_id,
      sku: l.sku,
      variant_title: l.title,
      product_name: l.name,
      quantity: l.quantity,
      price_cents: l.price_cents,
      discount_cents: t.discountCents,
      tax_cents: t.taxCents,
      tax_rate_milli: Math.round(t.taxRatePercent * 1000),
    };
  });
  const order = toOrders([{ ...row, id: orderId }], items, [{ order_id: orderId, status: 'pending', at }])[0]!;
  const event = outboxWrite('order.placed', { order });
  // Stock last (see above): cartLines is in variant-id order, products go in product-id order.
  const takes = lines.map((l) =>
    statement('UPDATE product_variants SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ? RETURNING id, stock', [l.quantity, at, l.variant_id, l.quantity]),
  );
  const perProduct = new Map<number, number>();
  for (const l of lines) perProduct.set(l.product_id, (perProduct.get(l.product_id) ?? 0) + l.quantity);
  // RETURNING keeps these in the batch's ordered part (src/db/batch.ts). The condition only matters
  // when a variant's take failed: the batch goes on, and the total must not trip its CHECK first.
  const totalsTaken = [...perProduct]
    .sort((a, b) => a[0] - b[0])
    .map(([productId, quantity]) =>
      statement('UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ? RETURNING id', [quantity, at, productId, quantity]),
    );
  const owned =
    buyer.guestCartId === null
      ? [
          ...(buyer.discountCode === null ? [] : [statement('DELETE FROM cart_discounts WHERE customer_id = ?', [buyer.customerId])]),
          statement('DELETE FROM cart_items WHERE customer_id = ?', [buyer.customerId]),
        ]
      : [
          ...(buyer.discountCode === null ? [] : [statement('UPDATE guest_carts SET discount_code = NULL WHERE id = ?', [buyer.guestCartId])]),
          statement('DELETE FROM cart_items WHERE guest_cart_id = ?', [buyer.guestCartId]),
        ];
  // The rest of the order in one batch: on PostgreSQL one round trip, so the stock rows stay locked
  // for that statement and the COMMIT only.
  const written = await runBatch(tx, [
    ...insertStatements(
      'order_items',
      ['order_id', 'product_id', 'variant_id', 'product_name', 'sku', 'variant_title', 'quantity', 'price_cents', 'discount_cents', 'tax_cents', 'tax_rate_milli'],
      items.map((i) => [i.order_id, i.product_id, i.variant_id, i.product_name, i.sku, i.variant_title, i.quantity, i.price_cents, i.discount_cents, i.tax_cents, i.tax_rate_milli]),
    ),
    ...movementStatements(
      lines.map((l) => ({ productId: l.product_id, variantId: l.variant_id, delta: -l.quantity })),
      'order',
      orderId,
    ),
    statement('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)', [orderId, 'pending', at]),
    ...(redemption ? [redemptionStatement(buyer.customerId, orderId, redemption, at)] : []),
    ...owned,
    ...event.statements,
    ...takes,
    ...totalsTaken,
  ]);
  const taken: Array<{ variantId: number; delta: number; stock: number }> = [];
  for (const [i, l] of lines.entries()) {
    const after = written.rows<{ stock: number }>(takes[i]!)[0];
    if (!after) {
      const current = await tx.get<{ stock: number }>('SELECT stock FROM product_variants WHERE id = ?', [l.variant_id]);
      throw new InsufficientStockError(l.product_id, current?.stock ?? 0, l.quantity, l.variant_id);
    }
    taken.push({ variantId: l.variant_id, delta: -l.quantity, stock: after.stock });
  }
  event.written(tx, written);
  await emitLowStockCrossings(tx, taken);
  return { orderId, accessToken, replayed: false, order };
}
