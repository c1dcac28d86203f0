import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import { applyStockDelta, recordMovement } from '../inventory/service.js';
import { fromMinor, toMinor, USD, type Currency } from '../money.js';
import { recordPriceChange } from '../pricing/history.js';
import * as v from '../validate.js';
import {
  assertCombinationFree,
  assertSkuFree,
  insertDefaultVariant,
  insertVariant,
  MAX_VARIANTS,
  parseOptions,
  parseVariant,
  sku as parseSku,
  toVariant,
  VARIANT_COLUMNS,
  variantPrice,
  variantsOf,
  optionValues,
  type NewVariant,
  type ParsedVariant,
  type ProductOption,
  type Variant,
  type VariantPatch,
  type VariantRow,
} from './variants.js';

export type { NewVariant, ProductOption, Variant, VariantPatch } from './variants.js';

export interface Product {
  id: number;
  name: string;
  description: string;
  /** Price in currency units, for display (999.99). */
  price: number;
  /** Price in integer minor units (99999); use this for arithmetic. */
  priceCents: number;
  /** Σ of the variants' stock. */
  stock: number;
  /** ISO 4217 code of the shop's currency, in which price and priceCents are. */
  currency: string;
  category: string | null;
  imageUrl: string | null;
  /** `[]` for a product without options (it has one default variant). */
  options: ProductOption[];
  variants: Variant[];
  /** Mean of the visible reviews' ratings (rating_sum / rating_count); null without reviews. */
  averageRating: number | null;
  reviewCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  name: string;
  description?: string;
  /** Currency units with at most the currency's decimals; or give priceCents instead. */
  price?: number;
  priceCents?: number;
  /** Without variants: the default variant's stock. With variants each has its own. */
  stock?: number;
  category?: string | null;
  imageUrl?: string | null;
  /** Together with variants: `[{ name: 'Size', values: ['S', 'M', 'L'] }]`. */
  options?: ProductOption[];
  variants?: NewVariant[];
  /** Without variants: the default variant's SKU and weight. */
  sku?: string | null;
  weightGrams?: number | null;
}

/** `options` may add values (never remove ones in use); `variants` are added to the product. */
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
  options: string;
}

export const PRODUCT_COLUMNS =
  'products.id, products.name, products.description, products.price_cents, products.stock, products.category, products.image_url, products.rating_sum, products.rating_count, products.created_at, products.updated_at, products.options';

export const toProduct = (r: ProductRow, variants: readonly VariantRow[], c: Currency = USD): Product => ({
  id: r.id,
  name: r.name,
  description: r.description,
  price: fromMinor(r.price_cents, c),
  priceCents: r.price_cents,
  stock: r.stock,
  currency: c.code,
  category: r.category,
  imageUrl: r.image_url,
  options: JSON.parse(r.options) as ProductOption[],
  variants: variants.map((x) => toVariant(x, r.price_cents, c)),
  averageRating: r.rating_count > 0 ? r.rating_sum / r.rating_count : null,
  reviewCount: r.rating_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function priceOf(input: Record<string, unknown>, c: Currency): number | undefined {
  if (input.price !== undefined && input.priceCents !== undefined) {
    throw new ValidationError('give price or priceCents, not both', [{ path: 'price', message: 'conflicts with priceCents' }]);
  }
  if (input.priceCents !== undefined) return v.integer(input.priceCents, 'priceCents', 0, 1_000_000_000_000);
  if (input.price !== undefined) return toMinor(input.price, 'price', c);
  return undefined;
}

const FIELDS = ['name', 'description', 'price', 'priceCents', 'stock', 'category', 'imageUrl', 'options', 'variants', 'sku', 'weightGrams'] as const;

export async function readProduct(ex: Executor, productId: number): Promise<ProductRow | undefined> {
  return ex.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`, [productId]);
}

/** Products with their variants: one more query whatever their number. */
export async function withVariants(ex: Executor, rows: readonly ProductRow[], c: Currency): Promise<Product[]> {
  const variants = await variantsOf(ex, rows.map((r) => r.id));
  return rows.map((r) => toProduct(r, variants.get(r.id) ?? [], c));
}

function parseVariants(value: unknown, options: readonly ProductOption[], c: Currency, path = 'variants'): ParsedVariant[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_VARIANTS) {
    throw new ValidationError(`${path} must have 1 to ${MAX_VARIANTS} variants`, [{ path, message: `must have 1 to ${MAX_VARIANTS} variants` }]);
  }
  const parsed = value.map((x, i) => parseVariant(x, options, c, `${path}[${i}]`));
  const skus = new Set<string>();
  const combos = new Set<string>();
  parsed.forEach((p, i) => {
    if (skus.has(p.sku)) throw new ConflictError(`The SKU ${p.sku} is given twice`, { field: `${path}[${i}].sku`, sku: p.sku });
    if (combos.has(p.optionValues)) throw new ConflictError(`Two variants have the options ${p.title}`, { field: `${path}[${i}].options` });
    skus.add(p.sku);
    combos.add(p.optionValues);
  });
  return parsed;
}

/** A duplicate SKU that raced past the check is the same 409 as one caught by it. */
function skuConflict(e: unknown): never {
  if (isUniqueViolation(e)) throw new ConflictError('A SKU is already used by another variant', { field: 'sku' });
  throw e;
}

export class CatalogService {
  constructor(
    private readonly db: Driver,
    private readonly currency: Currency = USD,
  ) {}

  async addProduct(input: NewProduct): Promise<number> {
    const r = v.record(input, 'product', FIELDS);
    const name = v.text(r.name, 'name', 200, 1);
    const description = r.description === undefined || r.description === null ? '' : v.text(r.description, 'description', 10_000);
    const priceCents = priceOf(r, this.currency);
    if (priceCents === undefined) throw new ValidationError('price is required', [{ path: 'price', message: 'is required' }]);
    const category = v.optionalText(r.category, 'category', 100);
    const imageUrl = v.optionalText(r.imageUrl, 'imageUrl', 2000);
    const hasOptions = r.options !== undefined && r.options !== null;
    const hasVariants = r.variants !== undefined && r.variants !== null;
    if (hasOptions !== hasVariants) {
      const path = hasOptions ? 'variants' : 'options';
      throw new ValidationError(`${path} is required together with ${hasOptions ? 'options' : 'variants'}`, [{ path, message: 'is required' }]);
    }
    const options = hasOptions ? parseOptions(r.options) : [];
    let variants: ParsedVariant[] = [];
    let stock = 0;
    let defaultSku: string | null = null;
    let weight: number | null = null;
    if (hasVariants) {
      for (const f of ['stock', 'sku', 'weightGrams'] as const) {
        if (r[f] !== undefined) throw new ValidationError(`${f} belongs to each variant`, [{ path: f, message: 'give it per variant' }]);
      }
      variants = parseVariants(r.variants, options, this.currency);
      stock = variants.reduce((n, x) => n + x.stock, 0);
    } else {
      stock = v.integer(r.stock ?? 0, 'stock', 0, v.MAX_STOCK);
      defaultSku = r.sku === undefined || r.sku === null ? null : parseSku(r.sku, 'sku');
      weight = r.weightGrams === undefined || r.weightGrams === null ? null : v.integer(r.weightGrams, 'weightGrams', 0, 1_000_000_000);
    }
    try {
      return await this.db.transaction(async (tx) => {
        const at = now();
        for (const x of variants) await assertSkuFree(tx, x.sku);
        if (defaultSku !== null) await assertSkuFree(tx, defaultSku);
        const row = await tx.get<{ id: number }>(
          `INSERT INTO products (name, description, price_cents, stock, category, image_url, options, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [name, description, priceCents, stock, category, imageUrl, JSON.stringify(options), at, at],
        );
        const pid = row!.id;
        if (!hasVariants) {
          const vid = await insertDefaultVariant(tx, pid, stock, defaultSku, weight, at);
          if (stock > 0) await recordMovement(tx, pid, stock, 'initial stock', null, vid);
        }
        for (const x of variants) {
          const vid = await insertVariant(tx, pid, x, at);
          if (x.stock > 0) await recordMovement(tx, pid, x.stock, 'initial stock', null, vid);
        }
        return pid;
      });
    } catch (e) {
      return skuConflict(e);
    }
  }

  async addVariant(productId: number, input: NewVariant): Promise<Variant> {
    const pid = v.id(productId, 'productId');
    try {
      const id = await this.db.transaction((tx) => this.addVariantIn(tx, pid, input));
      return (await this.getVariant(id))!;
    } catch (e) {
      return skuConflict(e);
    }
  }

  private async addVariantIn(tx: Executor, pid: number, input: unknown, path = 'variant'): Promise<number> {
    const current = await readProduct(tx, pid);
    if (!current) throw new NotFoundError('Product', pid);
    const options = JSON.parse(current.options) as ProductOption[];
    if (options.length === 0) {
      throw new ValidationError(`Product ${pid} has no options; a product without options has exactly one variant`, [
        { path: 'options', message: 'define the product options first' },
      ]);
    }
    const p = parseVariant(input, options, this.currency, path);
    await assertSkuFree(tx, p.sku);
    await assertCombinationFree(tx, pid, p.optionValues);
    const at = now();
    const vid = await insertVariant(tx, pid, { ...p, stock: 0 }, at);
    if (p.stock > 0) {
      await tx.run('UPDATE product_variants SET stock = ? WHERE id = ?', [p.stock, vid]);
      await tx.run('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?', [p.stock, at, pid]);
      await recordMovement(tx, pid, p.stock, 'initial stock', null, vid);
    }
    return vid;
  }

  async getVariant(variantId: number): Promise<Variant | null> {
    const vid = v.id(variantId, 'variantId');
    const row = await this.db.get<VariantRow & { product_price_cents: number }>(
      `SELECT ${VARIANT_COLUMNS.split(', ').map((c) => `pv.${c}`).join(', ')}, p.price_cents AS product_price_cents
       FROM product_variants pv JOIN products p ON p.id = pv.product_id WHERE pv.id = ?`,
      [vid],
    );
    return row ? toVariant(row, row.product_price_cents, this.currency) : null;
  }

  async updateVariant(variantId: number, patch: VariantPatch): Promise<Variant> {
    const vid = v.id(variantId, 'variantId');
    const p = v.record(patch, 'patch', ['sku', 'options', 'price', 'priceCents', 'weightGrams']);
    const price = variantPrice(p, this.currency, 'patch');
    const newSku = p.sku === undefined ? undefined : parseSku(p.sku, 'sku');
    try {
      await this.db.transaction(async (tx) => {
        const row = await tx.get<VariantRow & { options: string }>(
          `SELECT pv.id, pv.product_id, pv.sku, pv.option_values, pv.is_default, p.options FROM product_variants pv
           JOIN products p ON p.id = pv.product_id WHERE pv.id = ?`,
          [vid],
        );
        if (!row) throw new NotFoundError('Variant', vid);
        const sets = new Assignments();
        if (p.options !== undefined) {
          if (row.is_default === 1) throw new ValidationError('The default variant has no options', [{ path: 'options', message: 'not allowed' }]);
          const o = optionValues(p.options, JSON.parse(row.options) as ProductOption[], 'options');
          await assertCombinationFree(tx, row.product_id, o.json, vid);
          sets.set('option_values', o.json).set('title', o.title);
        }
        if (newSku !== undefined) {
          await assertSkuFree(tx, newSku, vid);
          sets.set('sku', newSku);
        }
        if (price !== undefined) {
          if (row.is_default === 1) throw new ValidationError("The default variant has the product's price", [{ path: 'price', message: "change the product's price" }]);
          sets.set('price_cents', price);
        }
        if (p.weightGrams !== undefined) {
          sets.set('weight_grams', p.weightGrams === null ? null : v.integer(p.weightGrams, 'weightGrams', 0, 1_000_000_000));
        }
        if (!sets.empty) await tx.run(`UPDATE product_variants SET ${sets.sql}, updated_at = ? WHERE id = ?`, [...sets.params, now(), vid]);
      });
    } catch (e) {
      return skuConflict(e);
    }
    return (await this.getVariant(vid))!;
  }

  async getProduct(productId: number): Promise<Product | null> {
    const row = await readProduct(this.db, v.id(productId, 'productId'));
    return row ? (await withVariants(this.db, [row], this.currency))[0]! : null;
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
    return withVariants(this.db, rows, this.currency);
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
    return withVariants(this.db, rows, this.currency);
  }

  /** `changedBy`: the admin's customer id, recorded in the price history when the price changes. */
  async updateProduct(productId: number, patch: ProductPatch, changedBy: number | null = null): Promise<Product> {
    const pid = v.id(productId, 'productId');
    const p = v.record(patch, 'patch', FIELDS);
    const sets = new Assignments();
    if (p.name !== undefined) sets.set('name', v.text(p.name, 'name', 200, 1));
    if (p.description !== undefined) sets.set('description', p.description === null ? '' : v.text(p.description, 'description', 10_000));
    const priceCents = priceOf(p, this.currency);
    for (const f of ['sku', 'weightGrams'] as const) {
      if (p[f] !== undefined) throw new ValidationError(`${f} is a variant field: use updateVariant`, [{ path: f, message: 'use PATCH /api/variants/:id' }]);
    }
    const newOptions = p.options === undefined ? undefined : parseOptions(p.options);
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
      if (newOptions !== undefined) {
        await this.assertOptionsKeepVariants(tx, current, newOptions);
        sets.set('options', JSON.stringify(newOptions));
      }
      if (!sets.empty) await tx.run(`UPDATE products SET ${sets.sql}, updated_at = ? WHERE id = ?`, [...sets.params, now(), pid]);
      if (p.variants !== undefined && p.variants !== null) {
        if (!Array.isArray(p.variants) || p.variants.length === 0 || p.variants.length > MAX_VARIANTS) {
          throw new ValidationError(`variants must have 1 to ${MAX_VARIANTS} variants`, [{ path: 'variants', message: 'must be a non-empty array' }]);
        }
        for (const [i, x] of (p.variants as unknown[]).entries()) await this.addVariantIn(tx, pid, x, `variants[${i}]`);
      }
      return readProduct(tx, pid);
    }).catch(skuConflict);
    return (await withVariants(this.db, [row!], this.currency))[0]!;
  }

  /**
   * New options may add values and reorder them; a product with options keeps its option names
   * (variants name them), and a product without options cannot gain some here.
   */
  private async assertOptionsKeepVariants(tx: Executor, current: ProductRow, next: ProductOption[]): Promise<void> {
    const before = JSON.parse(current.options) as ProductOption[];
    const fail = (message: string): never => {
      throw new ValidationError(`options: ${message}`, [{ path: 'options', message }]);
    };
    if (before.length === 0) fail('a product created without options keeps its single variant');
    const names = (list: ProductOption[]) => list.map((o) => o.name).join('\u0000');
    if (names(before) !== names(next)) fail(`the option names must stay ${before.map((o) => o.name).join(', ')}`);
    const used = await tx.all<{ option_values: string }>('SELECT option_values FROM product_variants WHERE product_id = ?', [current.id]);
    for (const u of used) {
      const values = JSON.parse(u.option_values) as Record<string, string>;
      for (const o of next) if (!o.values.includes(values[o.name]!)) fail(`${o.name} ${values[o.name]!} is used by a variant`);
    }
  }

  async getCategories(): Promise<Category[]> {
    return this.db.all<Category>(
      'SELECT category AS name, COUNT(*) AS "productCount" FROM products WHERE category IS NOT NULL GROUP BY category ORDER BY category',
    );
  }

  async lowStock(threshold = 10): Promise<Product[]> {
    const t = v.integer(threshold, 'threshold', 0, v.MAX_STOCK);
    const rows = await this.db.all<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE stock < ? ORDER BY stock, id`, [t]);
    return withVariants(this.db, rows, this.currency);
  }
}
