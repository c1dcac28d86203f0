import type { Executor } from '../db/driver.js';
import { MAX_VARIANTS, type ProductOption } from '../catalog/variants.js';
import type { Currency } from '../money.js';
import { formatAmount, type ImportRow } from './import-format.js';

/** The rows of one product, by their `product` key. */
export interface Group {
  key: string;
  rows: ImportRow[];
}

/** Products already met in this import, by id: the key and first line they came under. */
export type Claims = Map<number, { key: string; line: number }>;

interface VariantNow {
  id: number;
  product_id: number;
  sku: string | null;
  option_values: string;
  price_cents: number | null;
  stock: number;
  weight_grams: number | null;
  is_default: number;
}

interface ProductNow {
  id: number;
  name: string;
  description: string;
  category: string | null;
  price_cents: number;
  options: string;
}

/** One variant to write: an existing one to change (`id`) or a new one. */
export interface VariantWrite {
  row: ImportRow;
  id: number | null;
  sku: string | null;
  /** Set when the SKU, options, price or weight change (or for a new variant). */
  sets: { sku?: string; optionValues?: string; title?: string; priceCents?: number | null; weightGrams?: number | null };
  stockFrom: number;
  stockTo: number;
  changes: string[];
}

export interface GroupPlan {
  key: string;
  rows: ImportRow[];
  productId: number | null;
  /** For a product to create. */
  create?: { name: string; description: string; category: string | null; priceCents: number; options: ProductOption[] };
  /** For an existing product. */
  productSets: { name?: string; description?: string; category?: string | null };
  priceCents?: number;
  options?: ProductOption[];
  productChanges: string[];
  variants: VariantWrite[];
  refusal?: { line: number; reason: string };
}

class Refusal extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(reason);
  }
}

function refuse(row: ImportRow, reason: string): never {
  throw new Refusal(row.line, reason);
}

const quoted = (s: string | null) => (s === null || s === '' ? '(empty)' : `"${s.length > 40 ? `${s.slice(0, 40)}…` : s}"`);


function textList(ex: Executor, column: string, values: readonly string[]): { sql: string; params: unknown[] } {
  return ex.dialect === 'sqlite'
    ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] }
    : { sql: `${column} = ANY(?::text[])`, params: [values] };
}

function idList(ex: Executor, column: string, values: readonly number[]): { sql: string; params: unknown[] } {
  return ex.dialect === 'sqlite'
    ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] }
    : { sql: `${column} = ANY(?::bigint[])`, params: [values] };
}

const VARIANT_FIELDS = 'id, product_id, sku, option_values, price_cents, stock, weight_grams, is_default';

/**
 * Reads what a batch touches (its SKUs' variants, their products and all their variants) and
 * plans every product of the batch. With `lock` (inside the batch's transaction on PostgreSQL) the
 * variants, then the products, are locked in id order, the order checkout takes them in.
 */
export async function planBatch(ex: Executor, batch: readonly Group[], c: Currency, claimed: Claims, lock: boolean): Promise<GroupPlan[]> {
  const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const skus = batch.flatMap((g) => g.rows.filter((r) => !r.refusal && r.sku !== null).map((r) => r.sku!));
  const bySku = new Map<string, VariantNow>();
  if (skus.length > 0) {
    const list = textList(ex, 'sku', skus);
    for (const v of await ex.all<VariantNow>(`SELECT ${VARIANT_FIELDS} FROM product_variants WHERE ${list.sql} ORDER BY id`, list.params)) bySku.set(v.sku!, v);
  }
  const keyIds = batch.map((g) => (/^[1-9]\d{0,15}$/.test(g.key) ? Number(g.key) : 0)).filter((n) => n > 0 && Number.isSafeInteger(n));
  const ids = [...new Set([...[...bySku.values()].map((v) => v.product_id), ...keyIds])].sort((a, b) => a - b);
  const products = new Map<number, ProductNow>();
  const variants = new Map<number, VariantNow[]>();
  if (ids.length > 0) {
    const vl = idList(ex, 'product_id', ids);
    for (const v of await ex.all<VariantNow>(`SELECT ${VARIANT_FIELDS} FROM product_variants WHERE ${vl.sql} ORDER BY id${forUpdate}`, vl.params)) {
      const list = variants.get(v.product_id);
      if (list) list.push(v);
      else variants.set(v.product_id, [v]);
      if (v.sku !== null && bySku.has(v.sku)) bySku.set(v.sku, v);
    }
    const pl = idList(ex, 'id', ids);
    for (const p of await ex.all<ProductNow>(`SELECT id, name, description, category, price_cents, options FROM products WHERE ${pl.sql} ORDER BY id${forUpdate}`, pl.params)) {
      products.set(p.id, p);
    }
  }
  return batch.map((g) => {
    const plan: GroupPlan = { key: g.key, rows: g.rows, productId: null, productSets: {}, productChanges: [], variants: [] };
    try {
      planGroup(plan, bySku, products, variants, claimed, c);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      plan.refusal = { line: e.line, reason: e.message };
    }
    return plan;
  });
}

function planGroup(
  plan: GroupPlan,
  bySku: Map<string, VariantNow>,
  products: Map<number, ProductNow>,
  variants: Map<number, VariantNow[]>,
  claimed: Claims,
  c: Currency,
): void {
  const rows = plan.rows;
  const bad = rows.find((r) => r.refusal);
  if (bad) refuse(bad, bad.refusal!);
  if (rows.length > MAX_VARIANTS) refuse(rows[MAX_VARIANTS]!, `a product has at most ${MAX_VARIANTS} variants; this is row ${MAX_VARIANTS + 1} of product ${plan.key}`);
  const first = rows[0]!;
  for (const row of rows.slice(1)) {
    for (const [field, cell] of Object.entries(row.productCells)) {
      const expected = first.productCells[field as keyof ImportRow['productCells']] ?? '';
      if (cell !== '' && cell !== expected) refuse(row, `${field} differs from line ${first.line} of the same product (leave it empty or repeat it)`);
    }
  }
  const owners = new Set(rows.flatMap((r) => (r.sku !== null && bySku.has(r.sku) ? [bySku.get(r.sku)!.product_id] : [])));
  if (owners.size > 1) refuse(first, `the SKUs of product ${plan.key} belong to different products (${[...owners].join(', ')}); give each product its own key`);
  const keyId = /^[1-9]\d{0,15}$/.test(plan.key) ? Number(plan.key) : 0;
  const target = owners.size === 1 ? [...owners][0]! : products.has(keyId) ? keyId : null;
  if (target !== null) {
    const seen = claimed.get(target);
    if (seen && seen.key !== plan.key) refuse(first, `product ${target} is also on line ${seen.line} under the key ${seen.key}; give all its rows the same product key`);
    claimed.set(target, { key: plan.key, line: first.line });
    planExisting(plan, products.get(target)!, variants.get(target) ?? [], bySku, c);
  } else {
    planNew(plan, c);
  }
}

function planNew(plan: GroupPlan, c: Currency): void {
  const rows = plan.rows;
  const first = rows[0]!;
  const missingSku = rows.find((r) => r.sku === null);
  if (missingSku) refuse(missingSku, 'sku is empty; a new variant needs a SKU (the import finds it by its SKU when run again)');
  if (first.name === undefined) refuse(first, 'name is required for a new product');
  if (first.priceCents === undefined) refuse(first, 'price is required for a new product');
  const names = first.options.map(([n]) => n);
  const options: ProductOption[] = names.map((name) => ({ name, values: [] }));
  if (names.length === 0 && rows.length > 1) refuse(rows[1]!, `product ${plan.key} has no options on line ${first.line}, so it has one variant; give every row option names and values`);
  const combos = new Map<string, number>();
  for (const row of rows) {
    if (names.length === 0 && row.variantPriceCents !== undefined && row.variantPriceCents !== null) {
      refuse(row, 'variant_price is for products with options; a product without options has its price in price');
    }
    const rowNames = row.options.map(([n]) => n);
    if (rowNames.join('\u0000') !== names.join('\u0000')) {
      refuse(row, `the options must be ${names.length ? names.join(', ') : 'empty'} as on line ${first.line} (this row has ${rowNames.join(', ') || 'none'})`);
    }
    const combo = row.options.map(([, v]) => v).join(' / ');
    const twin = combos.get(combo);
    if (twin !== undefined) refuse(row, `the options ${combo} are also on line ${twin}`);
    combos.set(combo, row.line);
    row.options.forEach(([, value], i) => {
      if (!options[i]!.values.includes(value)) options[i]!.values.push(value);
    });
  }
  const description = first.description ?? '';
  const category = first.category ?? null;
  plan.create = { name: first.name!, description, category, priceCents: first.priceCents!, options };
  plan.productChanges = [`new product "${first.name!}" at ${formatAmount(first.priceCents!, c)}${rows.length > 1 ? `, ${rows.length} variants` : ''}`];
  for (const row of rows) {
    const ordered = Object.fromEntries(row.options);
    const stock = row.stock ?? 0;
    plan.variants.push({
      row,
      id: null,
      sku: row.sku,
      sets: {
        sku: row.sku!,
        optionValues: JSON.stringify(ordered),
        title: names.length ? row.options.map(([, v]) => v).join(' / ') : 'Default',
        priceCents: row.variantPriceCents ?? null,
        weightGrams: row.weightGrams ?? null,
      },
      stockFrom: 0,
      stockTo: stock,
      changes: [`new ${names.length ? `variant ${row.options.map(([, v]) => v).join(' / ')}` : 'variant'} SKU ${row.sku!}, stock ${stock}`],
    });
  }
}

function planExisting(plan: GroupPlan, product: ProductNow, current: readonly VariantNow[], bySku: Map<string, VariantNow>, c: Currency): void {
  plan.productId = product.id;
  const rows = plan.rows;
  const first = rows[0]!;
  // Product fields from the first row: an empty name or price keeps the current one.
  if (first.name !== undefined && first.name !== product.name) {
    plan.productSets.name = first.name;
    plan.productChanges.push(`name ${quoted(product.name)} → ${quoted(first.name)}`);
  }
  if (first.description !== undefined && first.description !== product.description) {
    plan.productSets.description = first.description;
    plan.productChanges.push(`description ${quoted(product.description)} → ${quoted(first.description)}`);
  }
  if (first.category !== undefined && first.category !== product.category) {
    plan.productSets.category = first.category;
    plan.productChanges.push(`category ${quoted(product.category)} → ${quoted(first.category)}`);
  }
  if (first.priceCents !== undefined && first.priceCents !== Number(product.price_cents)) {
    plan.priceCents = first.priceCents;
    plan.productChanges.push(`price ${formatAmount(Number(product.price_cents), c)} → ${formatAmount(first.priceCents, c)}`);
  }
  const options = JSON.parse(product.options) as ProductOption[];
  if (options.length === 0) {
    planSingle(plan, product, current, rows);
    return;
  }
  const optionsAfter = options.map((o) => ({ name: o.name, values: [...o.values] }));
  // Combinations in use after the plan: variant id (0 for a new one) by its option values.
  const combos = new Map<string, { id: number; line: number | null }>(current.map((v) => [v.option_values, { id: v.id, line: null }]));
  let count = current.length;
  for (const row of rows) {
    if (row.sku === null) refuse(row, `sku is empty; product ${product.id} has options and each of its variants has a SKU`);
    const existing = bySku.get(row.sku);
    let values: { json: string; title: string } | null = null;
    if (row.options.length > 0 || !existing) {
      if (row.options.length === 0) refuse(row, `a new variant of product ${product.id} needs its options (${options.map((o) => o.name).join(', ')})`);
      values = rowOptions(row, optionsAfter);
      const twin = combos.get(values.json);
      if (twin && twin.id !== (existing?.id ?? -1)) {
        refuse(row, `product ${product.id} already has the options ${values.title} (${twin.line === null ? `variant ${twin.id}` : `line ${twin.line}`})`);
      }
    }
    const write: VariantWrite = { row, id: existing?.id ?? null, sku: row.sku, sets: {}, stockFrom: existing?.stock ?? 0, stockTo: existing?.stock ?? 0, changes: [] };
    if (existing) {
      if (values && values.json !== existing.option_values) {
        combos.delete(existing.option_values);
        write.sets.optionValues = values.json;
        write.sets.title = values.title;
        write.changes.push(`options ${Object.values(JSON.parse(existing.option_values) as Record<string, string>).join(' / ')} → ${values.title}`);
      }
      if (row.variantPriceCents !== undefined && row.variantPriceCents !== (existing.price_cents === null ? null : Number(existing.price_cents))) {
        write.sets.priceCents = row.variantPriceCents;
        const show = (p: number | null) => (p === null ? "the product's price" : formatAmount(p, c));
        write.changes.push(`variant price ${show(existing.price_cents === null ? null : Number(existing.price_cents))} → ${show(row.variantPriceCents)}`);
      }
      if (row.stock !== undefined && row.stock !== null && row.stock !== Number(existing.stock)) write.stockTo = row.stock;
    } else {
      if (++count > MAX_VARIANTS) refuse(row, `product ${product.id} would have more than ${MAX_VARIANTS} variants`);
      write.sets = { sku: row.sku, optionValues: values!.json, title: values!.title, priceCents: row.variantPriceCents ?? null, weightGrams: row.weightGrams ?? null };
      write.stockTo = row.stock ?? 0;
      write.changes.push(`new variant ${values!.title} SKU ${row.sku}, stock ${write.stockTo}`);
    }
    if (values) combos.set(values.json, { id: existing?.id ?? 0, line: row.line });
    planWeightAndStock(write, existing);
    plan.variants.push(write);
  }
  if (optionsAfter.some((o, i) => o.values.length !== options[i]!.values.length)) {
    plan.options = optionsAfter;
    optionsAfter.forEach((o, i) => {
      const added = o.values.slice(options[i]!.values.length);
      if (added.length > 0) plan.productChanges.push(`${o.name} gains ${added.join(', ')}`);
    });
  }
}

/** A product without options has one variant, the default: the group is that one row. */
function planSingle(plan: GroupPlan, product: ProductNow, current: readonly VariantNow[], rows: readonly ImportRow[]): void {
  const only = current.find((v) => v.is_default === 1) ?? current[0];
  if (!only) refuse(rows[0]!, `product ${product.id} has no variant`);
  if (rows.length > 1) refuse(rows[1]!, `product ${product.id} has no options, so it has one variant (on line ${rows[0]!.line}); options cannot be added by import`);
  const row = rows[0]!;
  if (row.options.length > 0) refuse(row, `product ${product.id} has no options; options cannot be added to it by import`);
  if (row.variantPriceCents !== undefined && row.variantPriceCents !== null) {
    refuse(row, `variant_price is for products with options; product ${product.id} has its price in price`);
  }
  const write: VariantWrite = { row, id: only!.id, sku: row.sku, sets: {}, stockFrom: Number(only!.stock), stockTo: Number(only!.stock), changes: [] };
  if (row.sku === null) {
    if (only!.sku !== null) refuse(row, `sku is empty; product ${product.id} has the SKU ${only!.sku}`);
  } else if (only!.sku === null) {
    write.sets.sku = row.sku;
    write.changes.push(`SKU (none) → ${row.sku}`);
  } else if (only!.sku !== row.sku) {
    refuse(row, `product ${product.id} has one variant, SKU ${only!.sku}; a SKU cannot be renamed by import (it is the key)`);
  }
  if (row.stock !== undefined && row.stock !== null && row.stock !== Number(only!.stock)) write.stockTo = row.stock;
  planWeightAndStock(write, only!);
  plan.variants.push(write);
}

function planWeightAndStock(write: VariantWrite, existing: VariantNow | undefined): void {
  const row = write.row;
  if (existing && row.weightGrams !== undefined && row.weightGrams !== (existing.weight_grams === null ? null : Number(existing.weight_grams))) {
    write.sets.weightGrams = row.weightGrams;
    write.changes.push(`weight ${existing.weight_grams ?? '(none)'} g → ${row.weightGrams ?? '(none)'} g`);
  }
  if (existing && write.stockTo !== write.stockFrom) write.changes.push(`stock ${write.stockFrom} → ${write.stockTo}`);
}

/** The row's option values in the product's option order; a new value is added to its option. */
function rowOptions(row: ImportRow, options: ProductOption[]): { json: string; title: string } {
  const given = new Map(row.options.map(([n, v]) => [n.toLowerCase(), v]));
  const names = options.map((o) => o.name);
  if (given.size !== options.length || !options.every((o) => given.has(o.name.toLowerCase()))) {
    refuse(row, `the options must be ${names.join(', ')} (this row has ${row.options.map(([n]) => n).join(', ')})`);
  }
  const ordered: Record<string, string> = {};
  for (const o of options) {
    const value = given.get(o.name.toLowerCase())!;
    if (!o.values.includes(value)) {
      if (o.values.length >= 100) refuse(row, `the option ${o.name} has 100 values already`);
      o.values.push(value);
    }
    ordered[o.name] = value;
  }
  return { json: JSON.stringify(ordered), title: Object.values(ordered).join(' / ') };
}

