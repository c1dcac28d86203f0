import type { CatalogCache } from '../cache/catalog-cache.js';
import { PRODUCT_COLUMNS, withVariants, type Product, type ProductRow } from '../catalog/service.js';
import type { Executor } from '../db/driver.js';
import { RATING_EXPR } from '../db/migrations/003_search.js';
import { ValidationError } from '../errors.js';
import { toMinor, USD, type Currency } from '../money.js';
import * as v from '../validate.js';
import { decodeCursor, encodeCursor, type Position } from './cursor.js';
import { fts5Query, searchTerms, tsQuery } from './terms.js';

export const SEARCH_SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'rating'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchQuery {
  /** Free text; matched as word prefixes against name, description and category. */
  q?: string;
  category?: string;
  /** Currency units in the shop's decimals, like prices. */
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  /** 0–5; products without ratings are excluded when this is above 0. */
  minRating?: number;
  /** Default: relevance with q, catalogue order (oldest first, by id) without. */
  sort?: SearchSort;
  /** 1–100, default 20. */
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
  /** `{ Size: 'M' }`: products with a variant that has every one of these option values. */
  options?: Record<string, string>;
}

export interface Facet {
  category: string;
  count: number;
}

/** Products per value of one product option ("Size" = "M"). */
export interface OptionFacet {
  name: string;
  value: string;
  count: number;
}

export interface SearchResult {
  items: Product[];
  nextCursor: string | null;
  /** Products per category for this search without its category filter, so shoppers can switch. */
  facets: Facet[];
  /**
   * Products per option value (a product counts once per value any of its variants has), with
   * every filter except the option filter of that same name, so a shopper can switch Size while
   * Colour stays applied; by option name, then most products first.
   */
  optionFacets: OptionFacet[];
}

export const MAX_SEARCH_LIMIT = 100;
const MAX_FACETS = 100;
const MAX_OPTION_FACETS = 200;
const FIELDS = ['q', 'category', 'minPrice', 'maxPrice', 'inStock', 'minRating', 'sort', 'limit', 'cursor', 'options'] as const;

/** A validated query in canonical form; equal searches have equal JSON (the cache key). */
interface Plan {
  terms: string[];
  category: string | null;
  minCents: number | null;
  maxCents: number | null;
  inStock: boolean;
  /** Minimum rating ×100, 0 for none. */
  minRating100: number;
  /** 'catalog': by id, the order products were added; the default when there is nothing to rank. */
  sort: SearchSort | 'catalog';
  limit: number;
  after: Position | null;
  /** Option name → value, sorted by name. */
  options: [string, string][];
  /** q as typed when it could be a SKU: an exact SKU match finds its product. */
  sku: string | null;
  /** Set after a SKU matched: just this product. */
  productId?: number;
}

interface SortSpec {
  key: string;
  descending: boolean;
  keyType: 'number' | 'string';
}

/** bm25() column weights: name, description, category. */
const BM25 = 'bm25(products_fts, 10.0, 1.0, 4.0)';

function sortSpec(sort: Plan['sort'], dialect: Executor['dialect'], textSearch = false): SortSpec {
  const spec = baseSortSpec(sort, dialect);
  // PostgreSQL would otherwise walk a sort index and test every row against the text query,
  // which for a rare word reads most of the table; as an expression the key has no index, so the
  // matches come from the GIN index and only they are sorted.
  if (textSearch && dialect === 'postgres' && sort !== 'relevance') {
    return { ...spec, key: spec.keyType === 'number' ? `(${spec.key}) + 0` : `(${spec.key}) || ''` };
  }
  return spec;
}

function baseSortSpec(sort: Plan['sort'], dialect: Executor['dialect']): SortSpec {
  switch (sort) {
    case 'relevance':
      // bm25() is lower-is-better; ts_rank is negated so both sort ascending.
      return { key: dialect === 'sqlite' ? BM25 : '-ts_rank(search_vector, tsq)', descending: false, keyType: 'number' };
    case 'price_asc':
      return { key: 'products.price_cents', descending: false, keyType: 'number' };
    case 'price_desc':
      return { key: 'products.price_cents', descending: true, keyType: 'number' };
    case 'newest':
      return { key: 'products.created_at', descending: true, keyType: 'string' };
    case 'rating':
      return { key: RATING_EXPR, descending: true, keyType: 'number' };
    case 'catalog':
      return { key: 'products.id', descending: false, keyType: 'number' };
  }
}

export function planSearch(query: SearchQuery, dialect: Executor['dialect'], currency: Currency = USD): Plan {
  const r = v.record(query ?? {}, 'query', FIELDS);
  const q = r.q === undefined || r.q === null ? '' : r.q;
  if (typeof q !== 'string') throw new ValidationError('q must be a string', [{ path: 'q', message: 'must be a string' }]);
  const terms = searchTerms(q);
  const category = r.category === undefined || r.category === null || r.category === '' ? null : v.text(r.category, 'category', 100, 1);
  const minCents = r.minPrice === undefined || r.minPrice === null ? null : toMinor(r.minPrice, 'minPrice', currency);
  const maxCents = r.maxPrice === undefined || r.maxPrice === null ? null : toMinor(r.maxPrice, 'maxPrice', currency);
  if (minCents !== null && maxCents !== null && minCents > maxCents) {
    throw new ValidationError('minPrice must not exceed maxPrice', [{ path: 'minPrice', message: 'must be <= maxPrice' }]);
  }
  if (r.inStock !== undefined && r.inStock !== null && typeof r.inStock !== 'boolean') {
    throw new ValidationError('inStock must be a boolean', [{ path: 'inStock', message: 'must be a boolean' }]);
  }
  let minRating100 = 0;
  if (r.minRating !== undefined && r.minRating !== null) {
    if (typeof r.minRating !== 'number' || !Number.isFinite(r.minRating) || r.minRating < 0 || r.minRating > 5) {
      throw new ValidationError('minRating must be a number from 0 to 5', [{ path: 'minRating', message: 'must be between 0 and 5' }]);
    }
    minRating100 = Math.round(r.minRating * 100);
  }
  let sort: Plan['sort'] = r.sort === undefined || r.sort === null ? 'relevance' : v.oneOf(r.sort, 'sort', SEARCH_SORTS);
  if (sort === 'relevance' && terms.length === 0) sort = 'catalog';
  const limit = r.limit === undefined || r.limit === null ? 20 : v.integer(r.limit, 'limit', 1, MAX_SEARCH_LIMIT);
  const after =
    r.cursor === undefined || r.cursor === null || r.cursor === '' ? null : decodeCursor(r.cursor, sort, sortSpec(sort, dialect).keyType);
  const options: [string, string][] = [];
  if (r.options !== undefined && r.options !== null) {
    const o = v.record(r.options, 'options', Object.keys(r.options as object));
    for (const [name, value] of Object.entries(o)) {
      const n = v.text(name, 'options', 50, 1);
      if (n.includes('"')) throw new ValidationError('an option name must not contain double quotes', [{ path: `option.${n}`, message: 'invalid name' }]);
      options.push([n, v.text(value, `option.${n}`, 50, 1)]);
    }
    if (options.length > 3) throw new ValidationError('at most 3 option filters', [{ path: 'options', message: 'at most 3' }]);
    options.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  const trimmed = q.trim();
  // A word with a digit or SKU punctuation may be a SKU: one indexed lookup; plain words cost nothing.
  const sku = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/.test(trimmed) && /[\d._\-/]/.test(trimmed) && after === null ? trimmed : null;
  return { terms, category, minCents, maxCents, inStock: r.inStock === true, minRating100, sort, limit, after, options, sku };
}

interface Source {
  from: string;
  /** The product id column of `from`. */
  id: string;
  where: string[];
  params: unknown[];
}

/**
 * FROM clause and WHERE conditions of a plan. `withCategory` false for the facets; `needsProducts`
 * false lets an SQLite text search without filters rank from the FTS index alone.
 */
function source(plan: Plan, dialect: Executor['dialect'], withCategory: boolean, needsProducts: boolean): Source {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    where.push(condition);
    params.push(...values);
  };
  if (withCategory && plan.category !== null) add('products.category = ?', plan.category);
  if (plan.minCents !== null) add('products.price_cents >= ?', plan.minCents);
  if (plan.maxCents !== null) add('products.price_cents <= ?', plan.maxCents);
  if (plan.inStock) add('products.stock > 0');
  if (plan.minRating100 > 0) add('products.rating_count > 0 AND products.rating_sum * 100 >= ? * products.rating_count', plan.minRating100);
  if (plan.productId !== undefined) add('products.id = ?', plan.productId);
  if (plan.options.length > 0) {
    // One variant must carry every value (a product with "M / Red" and "L / Blue" is no "M / Blue").
    const value = dialect === 'sqlite' ? 'json_extract(pv.option_values, ?)' : '(pv.option_values::jsonb ->> ?)';
    const conditions = plan.options.map(() => `${value} = ?`).join(' AND ');
    add(
      `EXISTS (SELECT 1 FROM product_variants pv WHERE pv.product_id = products.id AND ${conditions})`,
      ...plan.options.flatMap(([name, val]) => [dialect === 'sqlite' ? `$."${name}"` : name, val]),
    );
  }
  if (plan.terms.length === 0 || plan.productId !== undefined) return { from: 'products', id: 'products.id', where, params };
  if (dialect === 'postgres') {
    return {
      from: `products CROSS JOIN to_tsquery('simple', ?) AS tsq`,
      id: 'products.id',
      where: ['search_vector @@ tsq', ...where],
      params: [tsQuery(plan.terms), ...params],
    };
  }
  // CROSS JOIN fixes the order: matches first, then each match's filter columns from the narrow
  // lookup index (migration 003), which the planner would not pick by itself without statistics.
  return {
    from:
      where.length > 0 || needsProducts
        ? 'products_fts CROSS JOIN products INDEXED BY products_lookup_idx ON products.id = products_fts.rowid'
        : 'products_fts',
    id: 'products_fts.rowid',
    where: ['products_fts MATCH ?', ...where],
    params: [fts5Query(plan.terms), ...params],
  };
}

const whereSql = (conditions: string[]) => (conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`);

/**
 * Search and browsing: full-text relevance (SQLite FTS5 bm25, PostgreSQL ts_rank), filters,
 * sorts, keyset cursors and category facets. A page is always the same statements (items,
 * facets, plus the cache's version read) whatever its size. See docs/SEARCH.md.
 */
export class SearchService {
  constructor(
    private readonly db: Executor,
    private readonly cache: CatalogCache | null = null,
    private readonly currency: Currency = USD,
  ) {}

  async search(query: SearchQuery = {}): Promise<SearchResult> {
    const plan = planSearch(query, this.db.dialect, this.currency);
    if (!this.cache) return this.run(plan);
    return this.cache.read(`search:${JSON.stringify(plan)}`, (version) => this.run(plan, version));
  }

  /** One page of results; `version` is the catalog version the cache read for it, if cached. */
  private async run(plan: Plan, version?: number): Promise<SearchResult> {
    if (plan.sku !== null) {
      const hit = await this.db.get<{ product_id: number }>('SELECT product_id FROM product_variants WHERE sku = ?', [plan.sku]);
      if (hit) plan = { ...plan, productId: hit.product_id, sort: 'catalog', terms: [] };
    }
    // Facets do not depend on the sort or the page: one entry serves every sort and cursor of a filter.
    const facetPlan = { ...plan, sort: null, limit: null, after: null };
    const facets =
      this.cache && version !== undefined ? this.cache.readWithin(`facets:${JSON.stringify(facetPlan)}`, version, () => this.facets(plan)) : this.facets(plan);
    const [page, counts] = await Promise.all([this.page(plan), facets]);
    return { ...page, ...counts };
  }

  /**
   * Sorts only (key, id) of the matches and reads the full rows of the one page afterwards,
   * so a search matching thousands of products never sorts thousands of descriptions.
   */
  private async page(plan: Plan): Promise<{ items: Product[]; nextCursor: string | null }> {
    const spec = sortSpec(plan.sort, this.db.dialect, plan.terms.length > 0);
    const { from, id, where, params } = source(plan, this.db.dialect, true, plan.sort !== 'relevance');
    if (plan.after) {
      where.push(`(${spec.key}, ${id}) ${spec.descending ? '<' : '>'} (?, ?)`);
      params.push(plan.after.key, plan.after.id);
    }
    const dir = spec.descending ? 'DESC' : 'ASC';
    const rows = await this.db.all<ProductRow & { sort_key: number | string }>(
      `SELECT ${PRODUCT_COLUMNS}, page.sort_key AS sort_key FROM (
         SELECT ${id} AS page_id, ${spec.key} AS sort_key FROM ${from} ${whereSql(where)}
         ORDER BY ${spec.key} ${dir}, ${id} ${dir} LIMIT ?
       ) page JOIN products ON products.id = page.page_id ORDER BY page.sort_key ${dir}, page.page_id ${dir}`,
      [...params, plan.limit + 1],
    );
    const more = rows.length > plan.limit;
    if (more) rows.length = plan.limit;
    const last = rows[rows.length - 1];
    return {
      items: await withVariants(this.db, rows, this.currency),
      nextCursor: more && last ? encodeCursor({ sort: plan.sort, key: last.sort_key, id: last.id }) : null,
    };
  }

  /**
   * Category and option-value facets in one statement (UNION ALL): categories without the
   * category filter; option values of unfiltered options with every filter; each filtered option's
   * values with every filter but its own.
   */
  private async facets(plan: Plan): Promise<{ facets: Facet[]; optionFacets: OptionFacet[] }> {
    const dialect = this.db.dialect;
    const branches: string[] = [];
    const params: unknown[] = [];
    const category = source(plan, dialect, false, true);
    category.where.push('products.category IS NOT NULL');
    branches.push(
      `SELECT * FROM (SELECT 'c' AS kind, products.category AS name, NULL AS value, COUNT(*) AS n FROM ${category.from} ${whereSql(category.where)}
       GROUP BY products.category ORDER BY n DESC, products.category LIMIT ${MAX_FACETS}) c`,
    );
    params.push(...category.params);
    const filtered = plan.options.map(([name]) => name);
    const jsonValue = dialect === 'sqlite' ? 'json_extract(pv.option_values, ?)' : '(pv.option_values::jsonb ->> ?)';
    const jsonPath = (name: string) => (dialect === 'sqlite' ? `$."${name}"` : name);
    /** Values of option keys matching `keyCondition`, on variants that carry the `others` filters themselves. */
    const optionBranch = (others: [string, string][], keyCondition: string, keyParams: unknown[], alias: string) => {
      const src = source({ ...plan, options: [] }, dialect, true, true);
      const each = dialect === 'sqlite' ? 'JOIN json_each(pv.option_values) j' : 'CROSS JOIN LATERAL jsonb_each_text(pv.option_values::jsonb) j';
      // Default variants of products without options carry '{}': skipped before any JSON is read.
      src.where.push(`pv.option_values <> '{}'`, ...others.map(() => `${jsonValue} = ?`), keyCondition);
      branches.push(
        `SELECT * FROM (SELECT 'o' AS kind, j.key AS name, j.value AS value, COUNT(DISTINCT pv.product_id) AS n
         FROM ${src.from} JOIN product_variants pv ON pv.product_id = ${src.id} ${each} ${whereSql(src.where)}
         GROUP BY j.key, j.value ORDER BY j.key, n DESC, j.value LIMIT ${MAX_OPTION_FACETS}) ${alias}`,
      );
      params.push(...src.params, ...others.flatMap(([name, value]) => [jsonPath(name), value]), ...keyParams);
    };
    optionBranch(plan.options, filtered.length === 0 ? '1 = 1' : `j.key NOT IN (${filtered.map(() => '?').join(', ')})`, filtered, 'o');
    plan.options.forEach(([name], i) => optionBranch(plan.options.filter(([n]) => n !== name), 'j.key = ?', [name], `o${i}`));
    const rows = await this.db.all<{ kind: string; name: string; value: string | null; n: number }>(branches.join('\nUNION ALL\n'), params);
    const facets: Facet[] = [];
    const optionFacets: OptionFacet[] = [];
    for (const r of rows) {
      if (r.kind === 'c') facets.push({ category: r.name, count: Number(r.n) });
      else optionFacets.push({ name: r.name, value: String(r.value), count: Number(r.n) });
    }
    facets.sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
    optionFacets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return { facets, optionFacets };
  }
}
