import type { Executor } from '../db/driver.js';
import { inList, now } from '../db/sql.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { fromMinor, toMinor, type Currency } from '../money.js';
import * as v from '../validate.js';

export interface ProductOption {
  name: string;
  values: string[];
}

export interface Variant {
  id: number;
  productId: number;
  /** Unique across the shop; null only for the default variant of a product without options. */
  sku: string | null;
  /** The option values joined, "M / Blue"; "Default" for a product without options. */
  title: string;
  options: Record<string, string>;
  /** The variant's own price, or the product's when it has none. */
  price: number;
  priceCents: number;
  stock: number;
  weightGrams: number | null;
  isDefault: boolean;
}

export interface NewVariant {
  sku: string;
  options: Record<string, string>;
  /** Currency units in the shop's decimals; or priceCents; default (or null): the product's price. */
  price?: number | null;
  priceCents?: number | null;
  stock?: number;
  weightGrams?: number | null;
}

export type VariantPatch = Partial<Omit<NewVariant, 'stock'>>;

export interface VariantRow {
  id: number;
  product_id: number;
  sku: string | null;
  title: string;
  option_values: string;
  price_cents: number | null;
  stock: number;
  weight_grams: number | null;
  is_default: number;
}

export const VARIANT_COLUMNS = 'id, product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default';
export const MAX_OPTIONS = 3;
export const MAX_VARIANTS = 100;
const fail = (path: string, message: string): never => {
  throw new ValidationError(`${path} ${message}`, [{ path, message }]);
};

export const toVariant = (r: VariantRow, productPriceCents: number, c: Currency): Variant => {
  const priceCents = r.price_cents ?? productPriceCents;
  return {
    id: r.id,
    productId: r.product_id,
    sku: r.sku,
    title: r.title,
    options: JSON.parse(r.option_values) as Record<string, string>,
    price: fromMinor(priceCents, c),
    priceCents,
    stock: r.stock,
    weightGrams: r.weight_grams,
    isDefault: r.is_default === 1,
  };
};

/** `[{ name, values }]`: 1–3 options with distinct names, each 1–100 distinct values. */
export function parseOptions(value: unknown, path = 'options'): ProductOption[] {
  if (!Array.isArray(value)) return fail(path, 'must be an array');
  if (value.length < 1 || value.length > MAX_OPTIONS) return fail(path, `must have 1 to ${MAX_OPTIONS} options`);
  const names = new Set<string>();
  return value.map((o, i) => {
    const r = v.record(o, `${path}[${i}]`, ['name', 'values']);
    const name = v.text(r.name, `${path}[${i}].name`, 50, 1);
    if (name.includes('"')) fail(`${path}[${i}].name`, 'must not contain double quotes');
    if (names.has(name.toLowerCase())) fail(`${path}[${i}].name`, 'is used twice');
    names.add(name.toLowerCase());
    if (!Array.isArray(r.values) || r.values.length < 1 || r.values.length > 100) fail(`${path}[${i}].values`, 'must have 1 to 100 values');
    const values = (r.values as unknown[]).map((x, j) => v.text(x, `${path}[${i}].values[${j}]`, 50, 1));
    if (new Set(values).size !== values.length) fail(`${path}[${i}].values`, 'must be distinct');
    return { name, values };
  });
}

export interface ParsedVariant {
  sku: string;
  optionValues: string;
  title: string;
  priceCents: number | null;
  stock: number;
  weightGrams: number | null;
}

export function sku(value: unknown, path: string): string {
  const s = v.text(value, path, 64, 1);
  return /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(s) ? s : fail(path, 'may contain letters, digits and . _ - / only');
}

export function variantPrice(r: Record<string, unknown>, c: Currency, path: string): number | null | undefined {
  if (r.price !== undefined && r.priceCents !== undefined) fail(`${path}.price`, 'conflicts with priceCents');
  if (r.priceCents === null || r.price === null) return null;
  if (r.priceCents !== undefined) return v.integer(r.priceCents, `${path}.priceCents`, 0, 1_000_000_000_000);
  if (r.price !== undefined) return toMinor(r.price, `${path}.price`, c);
  return undefined;
}

/** The option values of a variant, in the product's option order: every option, one of its values. */
export function optionValues(value: unknown, options: readonly ProductOption[], path: string): { json: string; title: string } {
  const r = v.record(value, path, options.map((o) => o.name));
  const ordered: Record<string, string> = {};
  for (const o of options) {
    const chosen = r[o.name];
    if (chosen === undefined) fail(`${path}.${o.name}`, 'is required');
    if (typeof chosen !== 'string' || !o.values.includes(chosen)) fail(`${path}.${o.name}`, `must be one of ${o.values.join(', ')}`);
    ordered[o.name] = chosen as string;
  }
  return { json: JSON.stringify(ordered), title: Object.values(ordered).join(' / ') };
}

export function parseVariant(input: unknown, options: readonly ProductOption[], c: Currency, path: string): ParsedVariant {
  const r = v.record(input, path, ['sku', 'options', 'price', 'priceCents', 'stock', 'weightGrams']);
  const { json, title } = optionValues(r.options, options, `${path}.options`);
  return {
    sku: sku(r.sku, `${path}.sku`),
    optionValues: json,
    title,
    priceCents: variantPrice(r, c, path) ?? null,
    stock: v.integer(r.stock ?? 0, `${path}.stock`, 0, v.MAX_STOCK),
    weightGrams: r.weightGrams === undefined || r.weightGrams === null ? null : v.integer(r.weightGrams, `${path}.weightGrams`, 0, 1_000_000_000),
  };
}

/** Refuses a SKU in use (409), before anything is written. */
export async function assertSkuFree(tx: Executor, sku: string, exceptId = 0): Promise<void> {
  const taken = await tx.get<{ id: number }>('SELECT id FROM product_variants WHERE sku = ? AND id <> ?', [sku, exceptId]);
  if (taken) throw new ConflictError(`The SKU ${sku} is already used by variant ${taken.id}`, { field: 'sku', sku, variantId: taken.id });
}

/** Refuses a combination of option values the product already has (409). */
export async function assertCombinationFree(tx: Executor, productId: number, optionValues: string, exceptId = 0): Promise<void> {
  const twin = await tx.get<{ id: number }>('SELECT id FROM product_variants WHERE product_id = ? AND option_values = ? AND id <> ?', [
    productId,
    optionValues,
    exceptId,
  ]);
  if (twin) throw new ConflictError(`Product ${productId} already has a variant with these options (variant ${twin.id})`, { field: 'options', variantId: twin.id });
}

export async function insertVariant(tx: Executor, productId: number, p: ParsedVariant, at = now()): Promise<number> {
  const row = await tx.get<{ id: number }>(
    `INSERT INTO product_variants (product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`,
    [productId, p.sku, p.title, p.optionValues, p.priceCents, p.stock, p.weightGrams, at, at],
  );
  return row!.id;
}

export async function insertDefaultVariant(tx: Executor, productId: number, stock: number, sku: string | null, weightGrams: number | null, at = now()): Promise<number> {
  const row = await tx.get<{ id: number }>(
    `INSERT INTO product_variants (product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
     VALUES (?, ?, 'Default', '{}', NULL, ?, ?, 1, ?, ?) RETURNING id`,
    [productId, sku, stock, weightGrams, at, at],
  );
  return row!.id;
}

export async function variantsOf(ex: Executor, productIds: readonly number[]): Promise<Map<number, VariantRow[]>> {
  const out = new Map<number, VariantRow[]>();
  if (productIds.length === 0) return out;
  const rows =
    productIds.length === 1
      ? await ex.all<VariantRow>(`SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE product_id = ? ORDER BY id`, [productIds[0]])
      : await (async () => {
          const list = inList(ex.dialect, 'product_id', productIds);
          return ex.all<VariantRow>(`SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE ${list.sql} ORDER BY product_id, id`, list.params);
        })();
  for (const r of rows) {
    const list = out.get(r.product_id);
    if (list) list.push(r);
    else out.set(r.product_id, [r]);
  }
  return out;
}

export interface ResolvedVariant {
  id: number;
  productId: number;
  stock: number;
}

/** The variants of a multi-variant product as a validation error, so the caller can choose one. */
export function chooseVariant(productId: number, rows: readonly { id: number; title: string; sku: string | null }[]): ValidationError {
  const listed = rows.map((r) => `${r.id} (${r.title}${r.sku ? `, SKU ${r.sku}` : ''})`).join(', ');
  return new ValidationError(`Product ${productId} has several variants; give variantId`, [
    { path: 'variantId', message: `choose one of: ${listed}` },
  ]);
}

/**
 * The variant a call means: the given one, which must belong to the product (another product's
 * variant is a 404 for that variant), or the product's only variant.
 */
export async function resolveVariant(ex: Executor, productId: number, variantId: number | undefined): Promise<ResolvedVariant> {
  if (variantId !== undefined) {
    const row = await ex.get<ResolvedVariant>('SELECT id, product_id AS "productId", stock FROM product_variants WHERE id = ? AND product_id = ?', [
      variantId,
      productId,
    ]);
    if (row) return row;
    if (!(await ex.get('SELECT 1 AS one FROM products WHERE id = ?', [productId]))) throw new NotFoundError('Product', productId);
    throw new NotFoundError('Variant', variantId);
  }
  const rows = await ex.all<{ id: number; stock: number; title: string; sku: string | null }>(
    'SELECT id, stock, title, sku FROM product_variants WHERE product_id = ? ORDER BY id LIMIT 101',
    [productId],
  );
  if (rows.length === 0) throw new NotFoundError('Product', productId);
  if (rows.length > 1) throw chooseVariant(productId, rows);
  return { id: rows[0]!.id, productId, stock: rows[0]!.stock };
}
