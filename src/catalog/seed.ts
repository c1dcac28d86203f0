import type { Executor } from '../db/driver.js';
import type { EcommercePlatform } from '../platform.js';
import * as v from '../validate.js';
import { CATEGORIES, type CategoryWords } from './seed-words.js';

/** One generated product, as it is written. */
export interface SeedProduct {
  name: string;
  description: string;
  priceCents: number;
  stock: number;
  category: string;
  imageUrl: string | null;
  createdAt: string;
}

export interface SeedOptions {
  /** How many products to add. */
  products: number;
  /** Products per transaction (default 5000). */
  batchSize?: number;
  /** Seed of the generator: the same seed gives the same catalog (default 1). */
  seed?: number;
  /** Called after every committed batch. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  products: number;
  categories: string[];
  ms: number;
}

/** mulberry32: small, fast, deterministic; plenty for generating test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

/** Generates products one at a time; creation dates spread over the past year, oldest first. */
export class CatalogGenerator {
  private readonly random: () => number;
  private readonly totalWeight = CATEGORIES.reduce((sum, c) => sum + c.weight, 0);
  private readonly start: number;

  constructor(
    private readonly total: number,
    seed = 1,
    endAt = Date.now(),
  ) {
    this.random = prng(seed);
    this.start = endAt - 365 * DAY_MS;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private category(): CategoryWords {
    let r = this.random() * this.totalWeight;
    for (const c of CATEGORIES) {
      r -= c.weight;
      if (r < 0) return c;
    }
    return CATEGORIES[CATEGORIES.length - 1]!;
  }

  /** Log-uniform in the category's range, ending in .99, .49 or .00 like shop prices do. */
  private priceCents(c: CategoryWords): number {
    const raw = Math.exp(Math.log(c.minCents) + this.random() * (Math.log(c.maxCents) - Math.log(c.minCents)));
    const units = Math.max(1, Math.floor(raw / 100));
    const ending = this.pick([99, 99, 99, 49, 0]);
    return ending === 0 ? units * 100 : (units - 1) * 100 + ending;
  }

  /** Mostly well stocked, some low (the low-stock report has work), a few sold out. */
  private stock(): number {
    const r = this.random();
    if (r < 0.03) return 0;
    if (r < 0.13) return 1 + Math.floor(this.random() * 9);
    return 10 + Math.floor(this.random() * 490);
  }

  private name(c: CategoryWords): string {
    if (c.name === 'Books') {
      return this.random() < 0.5
        ? `The ${this.pick(c.qualifiers)} ${this.pick(c.items)}`
        : `${this.pick(c.items)} of the ${this.pick(c.qualifiers)} ${this.pick(c.items)}`;
    }
    const model = this.random() < 0.5 ? ` ${String.fromCharCode(65 + Math.floor(this.random() * 26))}${10 + Math.floor(this.random() * 90)}` : '';
    return `${this.pick(c.brands)} ${this.pick(c.qualifiers)} ${this.pick(c.items)}${model}`;
  }

  private description(c: CategoryWords, name: string): string {
    const [f1, f2] = [this.pick(c.features), this.pick(c.features)];
    if (c.name === 'Books') return `${name}: ${f1} from ${this.pick(c.brands)}. Readers call it ${this.pick(['unputdownable', 'moving', 'witty', 'essential', 'haunting'])}.`;
    const features = f2 === f1 ? f1 : `${f1}; ${f2}`;
    return `${name}. ${features.charAt(0).toUpperCase()}${features.slice(1)}. From our ${c.name} range.`;
  }

  product(index: number): SeedProduct {
    const c = this.category();
    const name = this.name(c);
    const at = this.start + Math.floor(((index + 1) / this.total) * 365 * DAY_MS);
    return {
      name,
      description: this.description(c, name),
      priceCents: this.priceCents(c),
      stock: this.stock(),
      category: c.name,
      imageUrl: null,
      createdAt: new Date(at).toISOString(),
    };
  }
}

const SQLITE_INSERT_PRODUCTS = `INSERT INTO products (name, description, price_cents, stock, category, image_url, created_at, updated_at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
    json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[6]')
  FROM json_each(?) ORDER BY key
  RETURNING id, stock, created_at`;
const SQLITE_INSERT_VARIANTS = `INSERT INTO product_variants (product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
  SELECT json_extract(value, '$[0]'), NULL, 'Default', '{}', NULL, json_extract(value, '$[1]'), NULL, 1, json_extract(value, '$[2]'), json_extract(value, '$[2]')
  FROM json_each(?) ORDER BY key
  RETURNING id, product_id, stock, created_at`;
const SQLITE_INSERT_MOVEMENTS = `INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at)
  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), 'initial stock', NULL, json_extract(value, '$[3]')
  FROM json_each(?)`;
const PG_INSERT_PRODUCTS = `INSERT INTO products (name, description, price_cents, stock, category, image_url, created_at, updated_at)
  SELECT name, description, price_cents, stock, category, image_url, created_at, created_at
  FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[])
    AS t(name, description, price_cents, stock, category, image_url, created_at)
  RETURNING id, stock, created_at`;
const PG_INSERT_VARIANTS = `INSERT INTO product_variants (product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
  SELECT product_id, NULL, 'Default', '{}', NULL, stock, NULL, 1, created_at, created_at
  FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS t(product_id, stock, created_at)
  RETURNING id, product_id, stock, created_at`;
const PG_INSERT_MOVEMENTS = `INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at)
  SELECT product_id, variant_id, delta, 'initial stock', NULL, created_at
  FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[]) AS t(product_id, variant_id, delta, created_at)`;

/**
 * Writes many products in one statement, each with its 'initial stock' ledger movement (so stock
 * equals the ledger sum, as for addProduct), inside the caller's transaction. Returns the new ids.
 * Every bulk product write goes through here: anything that must follow product writes (a search
 * index kept in code rather than by triggers) belongs in this function too.
 */
export async function insertProductBatch(tx: Executor, rows: readonly SeedProduct[]): Promise<number[]> {
  if (rows.length === 0) return [];
  type Inserted = { id: number; stock: number; created_at: string };
  let inserted: Inserted[];
  if (tx.dialect === 'sqlite') {
    const json = JSON.stringify(rows.map((r) => [r.name, r.description, r.priceCents, r.stock, r.category, r.imageUrl, r.createdAt]));
    inserted = await tx.all<Inserted>(SQLITE_INSERT_PRODUCTS, [json]);
  } else {
    inserted = await tx.all<Inserted>(PG_INSERT_PRODUCTS, [
      rows.map((r) => r.name),
      rows.map((r) => r.description),
      rows.map((r) => r.priceCents),
      rows.map((r) => r.stock),
      rows.map((r) => r.category),
      rows.map((r) => r.imageUrl),
      rows.map((r) => r.createdAt),
    ]);
  }
  // Each product's default variant carries its stock; the ledger rows name the variant.
  type Variant = { id: number; product_id: number; stock: number; created_at: string };
  const variants =
    tx.dialect === 'sqlite'
      ? await tx.all<Variant>(SQLITE_INSERT_VARIANTS, [JSON.stringify(inserted.map((r) => [r.id, r.stock, r.created_at]))])
      : await tx.all<Variant>(PG_INSERT_VARIANTS, [inserted.map((r) => r.id), inserted.map((r) => r.stock), inserted.map((r) => r.created_at)]);
  const stocked = variants.filter((r) => r.stock > 0);
  if (stocked.length > 0) {
    if (tx.dialect === 'sqlite') {
      await tx.run(SQLITE_INSERT_MOVEMENTS, [JSON.stringify(stocked.map((r) => [r.product_id, r.id, r.stock, r.created_at]))]);
    } else {
      await tx.run(PG_INSERT_MOVEMENTS, [stocked.map((r) => r.product_id), stocked.map((r) => r.id), stocked.map((r) => r.stock), stocked.map((r) => r.created_at)]);
    }
  }
  return inserted.map((r) => r.id);
}

/**
 * Adds a generated, realistic catalog: names from word lists, eleven categories, descriptions,
 * shop-like prices in cents, stock (some low, some sold out). Batches of `batchSize` products
 * are written one transaction each, one multi-row statement per table, so 100,000 products take
 * seconds. Deterministic for a given seed (apart from creation dates, relative to now).
 */
export async function seedCatalog(platform: EcommercePlatform, options: SeedOptions): Promise<SeedResult> {
  const total = v.integer(options.products, 'products', 1, 10_000_000);
  const batchSize = v.integer(options.batchSize ?? 5000, 'batchSize', 1, 100_000);
  const generator = new CatalogGenerator(total, v.integer(options.seed ?? 1, 'seed', 0, 2 ** 32 - 1));
  const categories = new Set<string>();
  const started = performance.now();
  for (let done = 0; done < total; ) {
    const rows: SeedProduct[] = [];
    for (let i = done; i < Math.min(total, done + batchSize); i++) rows.push(generator.product(i));
    for (const r of rows) categories.add(r.category);
    // Generated before the transaction: a transaction body does database work only.
    await platform.db.transaction((tx) => insertProductBatch(tx, rows));
    done += rows.length;
    options.onProgress?.(done, total);
  }
  return { products: total, categories: [...categories].sort(), ms: performance.now() - started };
}
