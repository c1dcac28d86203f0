import { InsufficientStockError, NotFoundError } from '../errors.js';
import type { Driver } from '../db/driver.js';
import { now } from '../db/sql.js';
import { lockCustomer, requireCustomer } from '../customers/service.js';
import { fromCents } from '../money.js';
import * as v from '../validate.js';

export interface CartItem {
  productId: number;
  productName: string;
  /** Current unit price in currency units; the order takes the price of the moment of checkout. */
  price: number;
  priceCents: number;
  quantity: number;
  subtotal: number;
  subtotalCents: number;
  availableStock: number;
}

interface CartRow {
  product_id: number;
  name: string;
  price_cents: number;
  quantity: number;
  stock: number;
}

/** Cart edits don't wait for fsync: a power cut may drop the latest edit, never an order (see ARCHITECTURE.md). */
const CART_WRITE = { durable: false } as const;

export class CartService {
  constructor(private readonly db: Driver) {}

  /** Adds to the customer's line for the product (creating it); the line may not exceed current stock. */
  async add(customerId: number, productId: number, quantity = 1): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    const pid = v.id(productId, 'productId');
    const qty = v.quantity(quantity);
    await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      const row = await tx.get<{ stock: number; quantity: number | null }>(
        `SELECT p.stock AS stock, c.quantity AS quantity FROM products p
         LEFT JOIN cart_items c ON c.product_id = p.id AND c.customer_id = ? WHERE p.id = ?`,
        [cid, pid],
      );
      if (!row) throw new NotFoundError('Product', pid);
      const wanted = (row.quantity ?? 0) + qty;
      if (wanted > row.stock) throw new InsufficientStockError(pid, row.stock, wanted);
      await tx.run(
        `INSERT INTO cart_items (customer_id, product_id, quantity, added_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (customer_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity`,
        [cid, pid, qty, now()],
      );
    }, CART_WRITE);
  }

  /** Sets the line's quantity exactly (the API's PATCH). */
  async setQuantity(customerId: number, productId: number, quantity: number): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    const pid = v.id(productId, 'productId');
    const qty = v.quantity(quantity);
    await this.db.transaction(async (tx) => {
      await lockCustomer(tx, cid);
      const row = await tx.get<{ stock: number }>(
        `SELECT p.stock AS stock FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.customer_id = ? AND c.product_id = ?`,
        [cid, pid],
      );
      if (!row) throw new NotFoundError('Cart item', pid);
      if (qty > row.stock) throw new InsufficientStockError(pid, row.stock, qty);
      await tx.run('UPDATE cart_items SET quantity = ? WHERE customer_id = ? AND product_id = ?', [qty, cid, pid]);
    }, CART_WRITE);
  }

  /** Reduces the line by `quantity`, or removes it when quantity is omitted or reaches zero. */
  async remove(customerId: number, productId: number, quantity?: number): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    const pid = v.id(productId, 'productId');
    const qty = quantity === undefined ? undefined : v.quantity(quantity);
    await this.db.transaction(async (tx) => {
      await lockCustomer(tx, cid);
      const line = await tx.get<{ quantity: number }>('SELECT quantity FROM cart_items WHERE customer_id = ? AND product_id = ?', [cid, pid]);
      if (!line) throw new NotFoundError('Cart item', pid);
      if (qty === undefined || qty >= line.quantity) {
        await tx.run('DELETE FROM cart_items WHERE customer_id = ? AND product_id = ?', [cid, pid]);
      } else {
        await tx.run('UPDATE cart_items SET quantity = quantity - ? WHERE customer_id = ? AND product_id = ?', [qty, cid, pid]);
      }
    }, CART_WRITE);
  }

  async get(customerId: number): Promise<CartItem[]> {
    const cid = v.id(customerId, 'customerId');
    const rows = await this.db.all<CartRow>(
      `SELECT c.product_id, p.name, p.price_cents, c.quantity, p.stock FROM cart_items c
       JOIN products p ON p.id = c.product_id WHERE c.customer_id = ? ORDER BY c.product_id`,
      [cid],
    );
    if (rows.length === 0) await requireCustomer(this.db, cid);
    return rows.map((r) => ({
      productId: r.product_id,
      productName: r.name,
      price: fromCents(r.price_cents),
      priceCents: r.price_cents,
      quantity: r.quantity,
      subtotal: fromCents(r.price_cents * r.quantity),
      subtotalCents: r.price_cents * r.quantity,
      availableStock: r.stock,
    }));
  }

  async clear(customerId: number): Promise<void> {
    const cid = v.id(customerId, 'customerId');
    await this.db.transaction(async (tx) => {
      if (!(await lockCustomer(tx, cid))) throw new NotFoundError('Customer', cid);
      await tx.run('DELETE FROM cart_items WHERE customer_id = ?', [cid]);
    }, CART_WRITE);
  }
}
