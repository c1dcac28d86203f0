import { NotFoundError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { fromMinor, USD, type Currency } from '../money.js';
import * as v from '../validate.js';

export interface PriceChange {
  id: number;
  productId: number;
  oldPrice: number;
  oldPriceCents: number;
  newPrice: number;
  newPriceCents: number;
  changedAt: string;
  /** The admin (customer id) who changed it; null when changed outside an admin session. */
  changedBy: number | null;
}

interface PriceChangeRow {
  id: number;
  product_id: number;
  old_price_cents: number;
  new_price_cents: number;
  changed_at: string;
  changed_by: number | null;
}

const toChange = (r: PriceChangeRow, c: Currency): PriceChange => ({
  id: r.id,
  productId: r.product_id,
  oldPrice: fromMinor(r.old_price_cents, c),
  oldPriceCents: r.old_price_cents,
  newPrice: fromMinor(r.new_price_cents, c),
  newPriceCents: r.new_price_cents,
  changedAt: r.changed_at,
  changedBy: r.changed_by,
});

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Sets a product's price and records the change, inside the caller's transaction. The first
 * statement locks the row (PostgreSQL) and returns the price it holds, so the recorded old price is
 * exact even when two admins change it at once. Returns false when the product does not exist.
 */
export async function recordPriceChange(tx: Executor, productId: number, newPriceCents: number, changedBy: number | null): Promise<boolean> {
  const at = now();
  const current = await tx.get<{ price_cents: number }>('UPDATE products SET updated_at = ? WHERE id = ? RETURNING price_cents', [at, productId]);
  if (!current) return false;
  if (current.price_cents === newPriceCents) return true;
  await tx.run('UPDATE products SET price_cents = ? WHERE id = ?', [newPriceCents, productId]);
  await tx.run('INSERT INTO price_history (product_id, old_price_cents, new_price_cents, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)', [
    productId,
    current.price_cents,
    newPriceCents,
    at,
    changedBy,
  ]);
  return true;
}

export interface LowestPrice {
  /** Lowest price in the 30 days before the current price took effect; null unless the product is on sale. */
  lowestPrice30d: number | null;
  lowestPrice30dCents: number | null;
}

/**
 * EU Omnibus rule: a product whose current price is a reduction shows the lowest price it had in
 * the 30 days before that reduction. The prices in effect in that window are exactly the old
 * prices of the changes made within it (each was replaced by one of them), up to the current one.
 */
export async function lowestPrice30d(ex: Executor, productId: number, c: Currency = USD): Promise<LowestPrice> {
  const last = await ex.get<{ id: number; old_price_cents: number; new_price_cents: number; changed_at: string }>(
    'SELECT id, old_price_cents, new_price_cents, changed_at FROM price_history WHERE product_id = ? ORDER BY id DESC LIMIT 1',
    [productId],
  );
  if (!last || last.new_price_cents >= last.old_price_cents) return { lowestPrice30d: null, lowestPrice30dCents: null };
  const since = new Date(Date.parse(last.changed_at) - 30 * DAY_MS).toISOString();
  const row = await ex.get<{ lowest: number }>(
    'SELECT MIN(old_price_cents) AS lowest FROM price_history WHERE product_id = ? AND changed_at > ? AND id <= ?',
    [productId, since, last.id],
  );
  const cents = row!.lowest;
  return { lowestPrice30d: fromMinor(cents, c), lowestPrice30dCents: cents };
}

export class PriceHistoryService {
  constructor(
    private readonly db: Driver,
    private readonly currency: Currency = USD,
  ) {}

  /** Every recorded change of the product's price, newest first. */
  async history(productId: number, options: { limit?: number; cursor?: number } = {}): Promise<PriceChange[]> {
    const pid = v.id(productId, 'productId');
    const limit = v.integer(options.limit ?? 100, 'limit', 1, 1000);
    const before = options.cursor === undefined ? Number.MAX_SAFE_INTEGER : v.id(options.cursor, 'cursor');
    const rows = await this.db.all<PriceChangeRow>(
      `SELECT id, product_id, old_price_cents, new_price_cents, changed_at, changed_by FROM price_history
       WHERE product_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [pid, before, limit],
    );
    if (rows.length === 0 && !(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) throw new NotFoundError('Product', pid);
    return rows.map((r) => toChange(r, this.currency));
  }

  async lowestPrice30d(productId: number): Promise<LowestPrice> {
    return lowestPrice30d(this.db, v.id(productId, 'productId'), this.currency);
  }
}
