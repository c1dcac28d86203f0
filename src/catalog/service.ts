import { NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { Assignments, now } from '../db/sql.js';
import { applyStockDelta, recordMovement } from '../inventory/service.js';
import { fromCents, toCents } from '../money.js';
import { recordPriceChange } from '../pricing/history.js';
import * as v from '../validate.js';

export interface Product {
  id: number;
  name: string;
  description: string;
  /** Price in currency units, for display (999.99). */
  price: number;
  /** Price in integer minor units (99999); use this for arithmetic. */
  priceCents: number;
  stock: number;
  category: string | null;
  imageUrl: string | null;
  /** Mean of the visible reviews' ratings (rating_sum / rating_count); null without reviews. */
  averageRating: number | null;
  reviewCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  name: string;
  description?: string;
  /** Currency units with at most two decimals; or give priceCents instead. */
  price?: number;
  priceCents?: number;
  stock: number;
  category?: string | null;
  imageUrl?: string | null;
}

export type ProductPatch = Partial<NewProduct>;

export interface ProductQuery {
  category?: string;
  limit?: number;
  offset?: number;
}

export interface Category {
  name: string;
  productCount: number;
}

export interface ProductRow {
  id: number;
  name: string;
  description: string;
  price_cents: number;
  stock: number;
  category: string | null;
  image_url: string | null;
  rating_sum: number;
  rating_count: number;
  created_at: string;
  updated_at: string;
}

export const PRODUCT_COLUMNS = 'id, name, description, price_cents, stock, category, image_url, rating_sum, rating_count, created_at, updated_at';

export const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  description: r.description,
  price: fromCents(r.price_cents),
  priceCents: r.price_cents,
  stock: r.stock,
  category: r.category,
  imageUrl: r.image_url,
  averageRating: r.rating_count > 0 ? r.rating_sum / r.rating_count : null,
  reviewCount: r.rating_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function priceOf(input: Record<string, unknown>): number | undefined {
  if (input.price !== undefined && input.priceCents !== undefined) {
    throw new ValidationError('give price or priceCents, not both', [{ path: 'price', message: 'conflicts with priceCents' }]);
  }
  if (input.priceCents !== undefined) return v.integer(input.priceCents, 'priceCents', 0, 1_000_000_000_000);
  if (input.price !== undefined) return toCents(input.price, 'price');
  return undefined;
}

const FIELDS = ['name', 'description', 'price', 'priceCents', 'stock', 'category', 'imageUrl'] as const;

export async function readProduct(ex: Executor, productId: number): Promise<ProductRow | undefined> {
  return ex.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`, [productId]);
}

export class CatalogService {
  constructor(private readonly db: Driver) {}

  async addProduct(input: NewProduct): Promise<number> {
    const r = v.record(input, 'product', FIELDS);
    const name = v.text(r.name, 'name', 200, 1);
    const description = r.description === undefined || r.description === null ? '' : v.text(r.description, 'description', 10_000);
    const priceCents = priceOf(r);
    if (priceCents === undefined) throw new ValidationError('price is required', [{ path: 'price', message: 'is required' }]);
    const stock = v.integer(r.stock ?? 0, 'stock', 0, v.MAX_STOCK);
    const category = v.optionalText(r.category, 'category', 100);
    const imageUrl = v.optionalText(r.imageUrl, 'imageUrl', 2000);
    return this.db.transaction(async (tx) => {
      const at = now();
      const row = await tx.get<{ id: number }>(
        `INSERT INTO products (name, description, price_cents, stock, category, image_url, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [name, description, priceCents, stock, category, imageUrl, at, at],
      );
      if (stock > 0) await recordMovement(tx, row!.id, stock, 'initial stock', null);
      return row!.id;
    });
  }

  async getProduct(productId: number): Promise<Product | null> {
    const row = await readProduct(this.db, v.id(productId, 'productId'));
    return row ? toProduct(row) : null;
  }

  async getProducts(query: ProductQuery = {}): Promise<Product[]> {
    const q = v.record(query, 'query', ['category', 'limit', 'offset']);
    const limit = v.integer(q.limit ?? 50, 'limit', 1, 1000);
    const offset = v.integer(q.offset ?? 0, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const rows =
      q.category === undefined || q.category === null
        ? await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY id LIMIT ? OFFSET ?`, [limit, offset])
        : await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE category = ? ORDER BY id LIMIT ? OFFSET ?`, [
            v.text(q.category, 'category', 100),
            limit,
            offset,
          ]);
    return rows.map(toProduct);
  }

  /** Keyset page for the API: products with id > afterId. */
  async listProducts(options: { category?: string; limit?: number; afterId?: number }): Promise<Product[]> {
    const limit = v.integer(options.limit ?? 50, 'limit', 1, 1000);
    const after = v.integer(options.afterId ?? 0, 'afterId', 0, Number.MAX_SAFE_INTEGER);
    const rows =
      options.category === undefined
        ? await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id > ? ORDER BY id LIMIT ?`, [after, limit])
        : await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE category = ? AND id > ? ORDER BY id LIMIT ?`, [
            v.text(options.category, 'category', 100),
            after,
            limit,
          ]);
    return rows.map(toProduct);
  }

  /** `changedBy`: the admin's customer id, recorded in the price history when the price changes. */
  async updateProduct(productId: number, patch: ProductPatch, changedBy: number | null = null): Promise<Product> {
    const pid = v.id(productId, 'productId');
    const p = v.record(patch, 'patch', FIELDS);
    const sets = new Assignments();
    if (p.name !== undefined) sets.set('name', v.text(p.name, 'name', 200, 1));
    if (p.description !== undefined) sets.set('description', p.description === null ? '' : v.text(p.description, 'description', 10_000));
    const priceCents = priceOf(p);
    if (p.category !== undefined) sets.set('category', v.optionalText(p.category, 'category', 100));
    if (p.imageUrl !== undefined) sets.set('image_url', v.optionalText(p.imageUrl, 'imageUrl', 2000));
    const stock = p.stock === undefined ? undefined : v.integer(p.stock, 'stock', 0, v.MAX_STOCK);
    const row = await this.db.transaction(async (tx) => {
      // PostgreSQL: lock the row, so a stock set below is computed from the stock it replaces.
      const current =
        tx.dialect === 'postgres'
          ? await tx.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ? FOR UPDATE`, [pid])
          : await readProduct(tx, pid);
      if (!current) throw new NotFoundError('Product', pid);
      if (priceCents !== undefined) await recordPriceChange(tx, pid, priceCents, changedBy);
      // Setting stock directly still goes through the ledger, as the difference.
      if (stock !== undefined && stock !== current.stock) await applyStockDelta(tx, pid, stock - current.stock, 'stock set', null);
      if (!sets.empty) await tx.run(`UPDATE products SET ${sets.sql}, updated_at = ? WHERE id = ?`, [...sets.params, now(), pid]);
      return readProduct(tx, pid);
    });
    return toProduct(row!);
  }

  async getCategories(): Promise<Category[]> {
    return this.db.all<Category>(
      'SELECT category AS name, COUNT(*) AS "productCount" FROM products WHERE category IS NOT NULL GROUP BY category ORDER BY category',
    );
  }

  async lowStock(threshold = 10): Promise<Product[]> {
    const t = v.integer(threshold, 'threshold', 0, v.MAX_STOCK);
    const rows = await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE stock < ? ORDER BY stock, id`, [t]);
    return rows.map(toProduct);
  }
}
