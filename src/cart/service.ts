import { InsufficientStockError, NotFoundError, ValidationError } from '../errors.js';
import { runBatch, statement, type Statement } from '../db/batch.js';
import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { lockCustomer } from '../customers/service.js';
import { chooseVariant } from '../catalog/variants.js';
import { fromMinor, USD, type Currency } from '../money.js';
import * as v from '../validate.js';
import { checkOwner, createGuestCart, guestTokenHash, resolveOwner, type CartOwner, type OwnerRef } from './owner.js';

export interface CartItem {
  productId: number;
  variantId: number;
  sku: string | null;
  /** "M / Blue"; "Default" for a product without options. */
  variantTitle: string;
  productName: string;
  /** Current unit price in currency units; the order takes the price of the moment of checkout. */
  price: number;
  priceCents: number;
  quantity: number;
  subtotal: number;
  subtotalCents: number;
  /** The variant's stock. */
  availableStock: number;
  /** The product's tax category (null: the standard rate). */
  category: string | null;
}

export interface LineOptions {
  /** Required for a product with several variants. */
  variantId?: number;
}

/** A cart line as read from the database. */
export interface CartRow {
  product_id: number;
  variant_id: number;
  sku: string | null;
  title: string;
  name: string;
  price_cents: number;
  quantity: number;
  stock: number;
  category: string | null;
}

/** Cart edits don't wait for fsync: a power cut may drop the latest edit, never an order (see ARCHITECTURE.md). */
const CART_WRITE = { durable: false } as const;

function lineOptions(options: unknown): number | undefined {
  if (options === undefined || options === null) return undefined;
  const r = v.record(options, 'options', ['variantId']);
  return r.variantId === undefined || r.variantId === null ? undefined : v.id(r.variantId, 'variantId');
}

/** Reads the owner's lines with current prices (the variant's own, else the product's). */
export function cartLines(ex: Executor, ref: Pick<OwnerRef, 'column' | 'id'>): Promise<CartRow[]>;
/** With `ships: true` each row also tells whether the shop has an active shipping method (checkout asks both at once). */
export function cartLines(ex: Executor, ref: Pick<OwnerRef, 'column' | 'id'>, also: { ships: true }): Promise<Array<CartRow & { ships: number | null }>>;
export function cartLines(ex: Executor, ref: Pick<OwnerRef, 'column' | 'id'>, also?: { ships: true }): Promise<CartRow[]> {
  const s = cartLinesStatement(ref, also);
  return ex.all<CartRow>(s.sql, s.params);
}

/** cartLines as a batch statement (src/db/batch.ts). */
export function cartLinesStatement(ref: Pick<OwnerRef, 'column' | 'id'>, also?: { ships: true }): Statement {
  return statement(
    `SELECT c.product_id, c.variant_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, c.quantity,
       pv.stock, p.category${also?.ships ? ', (SELECT 1 FROM shipping_methods WHERE active = 1 LIMIT 1) AS ships' : ''} FROM cart_items c
     JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id
     WHERE c.${ref.column} = ? ORDER BY c.variant_id`,
    [ref.id],
  );
}

export function toCartItem(r: CartRow, c: Currency): CartItem {
  return {
    productId: r.product_id,
    variantId: r.variant_id,
    sku: r.sku,
    variantTitle: r.title,
    productName: r.name,
    price: fromMinor(r.price_cents, c),
    priceCents: r.price_cents,
    quantity: r.quantity,
    subtotal: fromMinor(r.price_cents * r.quantity, c),
    subtotalCents: r.price_cents * r.quantity,
    availableStock: r.stock,
    category: r.category,
  };
}

function tooMany(wanted: number): ValidationError {
  return new ValidationError(`A cart line may hold at most ${v.MAX_QUANTITY}`, [{ path: 'quantity', message: `the line would hold ${wanted}, more than ${v.MAX_QUANTITY}` }]);
}

export class CartService {
  constructor(
    private readonly db: Driver,
    private readonly currency: Currency = USD,
  ) {}

  /** A new, empty guest cart; only the hash of the returned token is stored. */
  async createGuest(): Promise<{ token: string }> {
    const { token } = await this.db.transaction((tx) => createGuestCart(tx), CART_WRITE);
    return { token };
  }

  /** Adds to the owner's line for the variant (creating it); the line may not exceed the variant's stock. */
  async add(owner: CartOwner, productId: number, quantity = 1, options?: LineOptions): Promise<void> {
    await this.addLine(owner, productId, quantity, options, null);
  }

  /**
   * add, then `then` in the same transaction with the resolved cart and its lines after the add:
   * the cart routes answer from them without resolving the owner or reading the cart again.
   * `then` must only read (PostgreSQL retries bodies).
   */
  async addThen<T>(
    owner: CartOwner,
    productId: number,
    quantity: number,
    options: LineOptions | undefined,
    then: (tx: Executor, ref: OwnerRef, lines: CartRow[]) => Promise<T>,
  ): Promise<T> {
    return (await this.addLine(owner, productId, quantity, options, then))!;
  }

  /** add (then === null) or addThen. */
  private async addLine<T>(
    owner: CartOwner,
    productId: number,
    quantity: number,
    options: LineOptions | undefined,
    then: ((tx: Executor, ref: OwnerRef, lines: CartRow[]) => Promise<T>) | null,
  ): Promise<T | undefined> {
    checkOwner(owner);
    const pid = v.id(productId, 'productId');
    const qty = v.quantity(quantity);
    const variantId = lineOptions(options);
    return this.db.transaction(async (tx) => {
      const ref = await resolveOwner(tx, owner);
      // One batch (one round trip on PostgreSQL): the variant, the cart as it was, and the upsert,
      // which adds only when the variant belongs to the product (and is its only one, if none was named).
      const variants = statement(
        `SELECT pv.id AS variant_id, pv.product_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, 0 AS quantity,
           pv.stock, p.category FROM product_variants pv JOIN products p ON p.id = pv.product_id
         WHERE ${variantId === undefined ? 'pv.product_id = ?' : 'pv.id = ?'} ORDER BY pv.id LIMIT 101`,
        [variantId ?? pid],
      );
      // The cart is read only for a caller that answers with it (`then`).
      const read = then === null ? null : cartLinesStatement(ref);
      const upsert = statement(
        `INSERT INTO cart_items (${ref.column}, product_id, variant_id, quantity, added_at)
         SELECT ?, pv.product_id, pv.id, ?, ? FROM product_variants pv
         WHERE pv.product_id = ? AND ${variantId === undefined ? 'NOT EXISTS (SELECT 1 FROM product_variants o WHERE o.product_id = pv.product_id AND o.id <> pv.id)' : 'pv.id = ?'}
         ON CONFLICT (${ref.column}, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity RETURNING quantity`,
        variantId === undefined ? [ref.id, qty, now(), pid] : [ref.id, qty, now(), pid, variantId],
      );
      const done = await runBatch(tx, read === null ? [variants, upsert] : [variants, read, upsert]);
      const rows = done.rows<CartRow>(variants);
      const row = rows[0];
      if (!row || row.product_id !== pid) {
        if (variantId !== undefined && (await tx.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Variant', variantId);
        throw new NotFoundError('Product', pid);
      }
      if (rows.length > 1) throw chooseVariant(pid, rows.map((r) => ({ id: r.variant_id, title: r.title, sku: r.sku })));
      // The owner is locked, so the cart read with the upsert is the cart the upsert added to.
      const wanted = Number(done.rows<{ quantity: number }>(upsert)[0]!.quantity);
      if (wanted > v.MAX_QUANTITY) throw tooMany(wanted);
      if (wanted > row.stock) throw new InsufficientStockError(pid, row.stock, wanted, row.variant_id);
      if (then === null || read === null) return undefined;
      const lines = [...done.rows<CartRow>(read).filter((l) => l.variant_id !== row.variant_id), { ...row, quantity: wanted }];
      return then(tx, ref, lines.sort((a, b) => a.variant_id - b.variant_id));
    }, CART_WRITE);
  }

  /** The owner's line for the product (and variant): one line, or NotFound / the list to choose from. */
  private async line(tx: Executor, ref: OwnerRef, pid: number, variantId: number | undefined): Promise<{ variant_id: number; quantity: number; stock: number }> {
    const rows = await tx.all<{ variant_id: number; quantity: number; stock: number; title: string; sku: string | null }>(
      `SELECT c.variant_id, c.quantity, pv.stock, pv.title, pv.sku FROM cart_items c JOIN product_variants pv ON pv.id = c.variant_id
       WHERE c.${ref.column} = ? AND c.product_id = ?${variantId === undefined ? '' : ' AND c.variant_id = ?'} ORDER BY c.variant_id`,
      variantId === undefined ? [ref.id, pid] : [ref.id, pid, variantId],
    );
    if (rows.length === 0) throw new NotFoundError('Cart item', variantId === undefined ? pid : `${pid}/${variantId}`);
    if (rows.length > 1) throw chooseVariant(pid, rows.map((r) => ({ id: r.variant_id, title: r.title, sku: r.sku })));
    return rows[0]!;
  }

  /** Sets the line's quantity exactly (the API's PATCH). */
  async setQuantity(owner: CartOwner, productId: number, quantity: number, options?: LineOptions): Promise<void> {
    checkOwner(owner);
    const pid = v.id(productId, 'productId');
    const qty = v.quantity(quantity);
    const variantId = lineOptions(options);
    await this.db.transaction(async (tx) => {
      const ref = await resolveOwner(tx, owner);
      const line = await this.line(tx, ref, pid, variantId);
      if (qty > line.stock) throw new InsufficientStockError(pid, line.stock, qty, line.variant_id);
      await tx.run(`UPDATE cart_items SET quantity = ? WHERE ${ref.column} = ? AND variant_id = ?`, [qty, ref.id, line.variant_id]);
    }, CART_WRITE);
  }

  /** Reduces the line by `quantity`, or removes it when quantity is omitted or reaches zero. */
  async remove(owner: CartOwner, productId: number, quantity?: number, options?: LineOptions): Promise<void> {
    checkOwner(owner);
    const pid = v.id(productId, 'productId');
    const qty = quantity === undefined ? undefined : v.quantity(quantity);
    const variantId = lineOptions(options);
    await this.db.transaction(async (tx) => {
      const ref = await resolveOwner(tx, owner);
      const line = await this.line(tx, ref, pid, variantId);
      if (qty === undefined || qty >= line.quantity) {
        await tx.run(`DELETE FROM cart_items WHERE ${ref.column} = ? AND variant_id = ?`, [ref.id, line.variant_id]);
      } else {
        await tx.run(`UPDATE cart_items SET quantity = quantity - ? WHERE ${ref.column} = ? AND variant_id = ?`, [qty, ref.id, line.variant_id]);
      }
    }, CART_WRITE);
  }

  async get(owner: CartOwner): Promise<CartItem[]> {
    checkOwner(owner);
    const ref = await resolveOwner(this.db, owner, 'read');
    return (await cartLines(this.db, ref)).map((r) => toCartItem(r, this.currency));
  }

  async clear(owner: CartOwner): Promise<void> {
    checkOwner(owner);
    await this.db.transaction(async (tx) => {
      const ref = await resolveOwner(tx, owner);
      await tx.run(`DELETE FROM cart_items WHERE ${ref.column} = ?`, [ref.id]);
    }, CART_WRITE);
  }

  /**
   * Login or registration with a guest cart: its lines join the customer's (quantities add,
   * capped by the variant's stock and the largest line), its code moves over if the customer's
   * cart has none, and the guest cart is deleted. An unknown token merges nothing.
   */
  async merge(guestToken: string, customerId: number): Promise<void> {
    const hash = guestTokenHash(guestToken);
    const cid = v.id(customerId, 'customerId');
    await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      const guest = await tx.get<{ id: number; discount_code: string | null }>(
        tx.dialect === 'postgres' ? 'SELECT id, discount_code FROM guest_carts WHERE token_hash = ? FOR UPDATE' : 'SELECT id, discount_code FROM guest_carts WHERE token_hash = ?',
        [hash],
      );
      if (!guest) return;
      const lines = await tx.all<{ product_id: number; variant_id: number; quantity: number; stock: number; mine: number | null }>(
        `SELECT g.product_id, g.variant_id, g.quantity, pv.stock, c.quantity AS mine FROM cart_items g
         JOIN product_variants pv ON pv.id = g.variant_id
         LEFT JOIN cart_items c ON c.customer_id = ? AND c.variant_id = g.variant_id
         WHERE g.guest_cart_id = ? ORDER BY g.variant_id`,
        [cid, guest.id],
      );
      const at = now();
      for (const l of lines) {
        const mine = l.mine ?? 0;
        const merged = Math.min(mine + l.quantity, l.stock, v.MAX_QUANTITY);
        if (merged <= mine) continue;
        await tx.run(
          `INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = excluded.quantity`,
          [cid, l.product_id, l.variant_id, merged, at],
        );
      }
      if (guest.discount_code !== null) {
        await tx.run('INSERT INTO cart_discounts (customer_id, code, applied_at) VALUES (?, ?, ?) ON CONFLICT (customer_id) DO NOTHING', [
          cid,
          guest.discount_code,
          at,
        ]);
      }
      await tx.run('DELETE FROM guest_carts WHERE id = ?', [guest.id]);
    }, CART_WRITE);
  }
}
