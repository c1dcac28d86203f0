import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.js';
import { SEARCH_SORTS, type OptionFacet, type SearchQuery, type SearchResult, type SearchSort } from '../search/service.js';
import { html, type SafeHtml } from '../web/html.js';
import { productGrid } from './components.js';
import type { PageContext } from './context.js';
import { categoryPath } from './format.js';
import { layout } from './layout.js';
import { t } from './strings.js';

export const PAGE_SIZE = 24;

export async function homePage(ctx: PageContext): Promise<SafeHtml> {
  const { platform, config } = ctx.shop;
  const [categories, newest, rated] = await Promise.all([
    platform.getCategories(),
    platform.search({ sort: 'newest', limit: 8 }),
    platform.search({ sort: 'rating', minRating: 1, limit: 8 }),
  ]);
  return layout(ctx, {
    title: t.homeTitle(config.name),
    description: config.tagline,
    canonical: '/',
    scripts: ['search.js'],
    body: html`<h1 class="hero">${config.name}</h1>
<p class="lead">${config.tagline}</p>
<section aria-labelledby="cats"><h2 id="cats">${t.categories}</h2>
<ul class="chips">${categories.map((c) => html`<li><a href="${categoryPath(c.name)}">${c.name} <span class="muted">(${c.productCount})</span></a></li>`)}</ul>
</section>
<section aria-labelledby="new"><h2 id="new">${t.newArrivals}</h2>${productGrid(newest.items, t.newArrivals)}</section>
${rated.items.length > 0 ? html`<section aria-labelledby="top"><h2 id="top">${t.featured}</h2>${productGrid(rated.items, t.featured)}</section>` : null}
<p><a href="/search">${t.allProducts}</a></p>`,
  });
}

/** The listing's filters as the URL carries them (strings, as typed), and as a search query. */
export interface ListingParams {
  q: string;
  category: string;
  minPrice: string;
  maxPrice: string;
  inStock: boolean;
  minRating: string;
  sort: string;
  cursor: string;
  /** `option.Size=M` filters (the API's), at most 3, sorted by name. */
  options: [string, string][];
}

function text(query: Record<string, unknown>, name: string, max = 200): string {
  const value = query[name];
  const s = Array.isArray(value) ? value[0] : value;
  return typeof s === 'string' ? s.slice(0, max) : '';
}

export function listingParams(request: FastifyRequest, category?: string): ListingParams {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return {
    q: text(query, 'q').trim(),
    category: category ?? text(query, 'category', 100),
    minPrice: text(query, 'minPrice', 20).trim(),
    maxPrice: text(query, 'maxPrice', 20).trim(),
    inStock: text(query, 'inStock') === '1',
    minRating: text(query, 'minRating', 3),
    sort: text(query, 'sort', 20),
    cursor: text(query, 'cursor', 400),
    options: optionParams(query),
  };
}

/** `option.<Name>=<value>` query parameters; more than 3 or empty ones are a 400 like the API's. */
function optionParams(query: Record<string, unknown>): [string, string][] {
  const options: [string, string][] = [];
  for (const key of Object.keys(query)) {
    if (!key.startsWith('option.')) continue;
    const value = text(query, key, 51);
    if (value === '') continue;
    options.push([key.slice('option.'.length, 'option.'.length + 51), value]);
  }
  if (options.length > 3) throw new ValidationError('at most 3 option filters', [{ path: 'options', message: 'at most 3' }]);
  return options.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function priceField(value: string, name: string): number | undefined {
  if (value === '') return undefined;
  const n = Number(value);
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(value) || !Number.isFinite(n)) {
    throw new ValidationError(`${name} must be an amount like 25 or 19.99`, [{ path: name, message: 'must be an amount' }]);
  }
  return n;
}

export function toSearchQuery(p: ListingParams): SearchQuery {
  const rating = p.minRating === '' ? undefined : Number(p.minRating);
  if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5)) {
    throw new ValidationError('minRating must be 1 to 5', [{ path: 'minRating', message: 'must be 1..5' }]);
  }
  if (p.sort !== '' && !(SEARCH_SORTS as readonly string[]).includes(p.sort)) {
    throw new ValidationError(`sort must be one of ${SEARCH_SORTS.join(', ')}`, [{ path: 'sort', message: 'unknown sort' }]);
  }
  return {
    q: p.q || undefined,
    category: p.category || undefined,
    minPrice: priceField(p.minPrice, 'minPrice'),
    maxPrice: priceField(p.maxPrice, 'maxPrice'),
    inStock: p.inStock || undefined,
    minRating: rating,
    sort: (p.sort || undefined) as SearchSort | undefined,
    cursor: p.cursor || undefined,
    options: p.options.length > 0 ? Object.fromEntries(p.options) : undefined,
    limit: PAGE_SIZE,
  };
}

/** The query string of a listing with some parameters changed (cursor dropped unless given). */
export function listingHref(base: string, p: ListingParams, change: Partial<ListingParams> = {}, keepCategoryParam = true): string {
  const next = { ...p, cursor: '', ...change };
  const qs = new URLSearchParams();
  if (next.q) qs.set('q', next.q);
  if (keepCategoryParam && next.category) qs.set('category', next.category);
  if (next.minPrice) qs.set('minPrice', next.minPrice);
  if (next.maxPrice) qs.set('maxPrice', next.maxPrice);
  if (next.inStock) qs.set('inStock', '1');
  if (next.minRating) qs.set('minRating', next.minRating);
  if (next.sort) qs.set('sort', next.sort);
  for (const [name, value] of next.options) qs.set(`option.${name}`, value);
  if (next.cursor) qs.set('cursor', next.cursor);
  const s = qs.toString();
  return s ? `${base}?${s}` : base;
}

/** The results part of a listing: also what as-you-type search swaps in. */
export function resultsSection(p: ListingParams, result: SearchResult, base: string, inCategory: boolean): SafeHtml {
  const more = result.nextCursor !== null;
  return html`<section id="results" aria-labelledby="results-title" aria-live="polite">
<h2 id="results-title" class="visually-hidden">${t.allProducts}</h2>
<p class="muted">${t.resultCount(result.items.length, more)}</p>
${result.items.length === 0 ? html`<p>${t.noResults}</p>` : productGrid(result.items, t.allProducts)}
<nav class="pages" aria-label="${t.pagination}">
${p.cursor ? html`<a href="${listingHref(base, p, {}, !inCategory)}">${t.firstPage}</a>` : null}
${more ? html`<a rel="next" href="${listingHref(base, p, { cursor: result.nextCursor! }, !inCategory)}">${t.nextPage}</a>` : null}
</nav>
</section>`;
}

// Clothing sizes in their natural order; other values sort as numbers when they are, else as text.
const SIZE_ORDER = ['xxs', 'xs', 's', 'm', 'l', 'xl', 'xxl', '2xl', 'xxxl', '3xl', '4xl'];
const naturally = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function byValue(a: OptionFacet, b: OptionFacet): number {
  const [x, y] = [SIZE_ORDER.indexOf(a.value.toLowerCase()), SIZE_ORDER.indexOf(b.value.toLowerCase())];
  if (x >= 0 && y >= 0) return x - y;
  return naturally.compare(a.value, b.value);
}

/** One list of links per option (Size: S (3), M (12) …), each keeping every other filter; "Any" clears it. */
function optionFacetLists(p: ListingParams, facets: readonly OptionFacet[], base: string, inCategory: boolean): SafeHtml[] {
  const byName = new Map<string, OptionFacet[]>();
  for (const f of facets) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  return [...byName].map(([name, values]) => {
    const chosen = p.options.find(([n]) => n === name)?.[1];
    const others = p.options.filter(([n]) => n !== name);
    const href = (value: string | null) =>
      listingHref(base, p, { options: value === null ? others : [...others, [name, value] as [string, string]].sort((a, b) => (a[0] < b[0] ? -1 : 1)) }, !inCategory);
    return html`<h3>${name}</h3>
<ul class="facet-list option-facets">
${chosen !== undefined ? html`<li><a href="${href(null)}">${t.anyOption(name)}</a></li>` : null}
${[...values].sort(byValue).map((f) => html`<li><a href="${href(f.value)}"${f.value === chosen ? html` aria-current="true"` : null}>${f.value} <span class="muted">(${f.count})</span></a></li>`)}
</ul>`;
  });
}

export async function listingPage(ctx: PageContext, p: ListingParams, inCategory: boolean): Promise<{ page: SafeHtml; results: SafeHtml }> {
  const { platform } = ctx.shop;
  const base = inCategory ? categoryPath(p.category) : '/search';
  const result = await platform.search(toSearchQuery(p));
  const results = resultsSection(p, result, base, inCategory);
  const heading = p.q ? t.resultsFor(p.q) : inCategory ? t.productsIn(p.category) : t.allProducts;
  const sortChoices = [['', p.q ? t.sorts.relevance! : t.catalogOrder], ...SEARCH_SORTS.filter((s) => s !== 'relevance' || p.q).map((s) => [s, t.sorts[s]!])];
  const facetLinks = result.facets.map(
    (f) =>
      html`<li><a href="${inCategory ? listingHref(categoryPath(f.category), p, { category: f.category }, false) : listingHref('/search', p, { category: f.category })}"${f.category === p.category ? html` aria-current="page"` : null}>${f.category} <span class="muted">(${f.count})</span></a></li>`,
  );
  const page = layout(ctx, {
    title: heading,
    description: inCategory ? `${p.category} at ${ctx.shop.config.name}: prices, stock and reviews.` : `${heading} at ${ctx.shop.config.name}.`,
    // Filtered and paged variants point at the plain listing; searches are not indexed.
    canonical: inCategory ? categoryPath(p.category) : p.q ? undefined : '/search',
    noindex: Boolean(p.q),
    scripts: ['search.js'],
    body: html`<h1>${heading}</h1>
<div class="listing">
<aside class="facets" aria-labelledby="filters-title">
<h2 id="filters-title">${t.filters}</h2>
<h3>${t.category}</h3>
<ul class="facet-list">
${p.category && !inCategory ? html`<li><a href="${listingHref('/search', p, { category: '' })}">${t.anyCategory}</a></li>` : null}
${inCategory ? html`<li><a href="${listingHref('/search', { ...p, category: '' })}">${t.anyCategory}</a></li>` : null}
${facetLinks}
</ul>
${optionFacetLists(p, result.optionFacets, base, inCategory)}
<form method="get" action="${base}" class="filters" data-live-filters>
${p.q ? html`<input type="hidden" name="q" value="${p.q}">` : null}
${p.category && !inCategory ? html`<input type="hidden" name="category" value="${p.category}">` : null}
${p.options.map(([name, value]) => html`<input type="hidden" name="option.${name}" value="${value}">`)}
<fieldset><legend>${t.price}</legend>
<label for="minPrice">${t.minPrice}</label><input id="minPrice" name="minPrice" inputmode="decimal" value="${p.minPrice}" size="6">
<label for="maxPrice">${t.maxPrice}</label><input id="maxPrice" name="maxPrice" inputmode="decimal" value="${p.maxPrice}" size="6">
</fieldset>
<p><input type="checkbox" id="inStock" name="inStock" value="1"${p.inStock ? html` checked` : null}> <label for="inStock">${t.inStockOnly}</label></p>
<label for="minRating">${t.minRating}</label>
<select id="minRating" name="minRating"><option value="">${t.anyRating}</option>${[4, 3, 2, 1].map((n) => html`<option value="${n}"${String(n) === p.minRating ? html` selected` : null}>${t.ratingAtLeast(n)}</option>`)}</select>
<label for="sort">${t.sort}</label>
<select id="sort" name="sort">${sortChoices.map(([value, label]) => html`<option value="${value}"${value === p.sort ? html` selected` : null}>${label}</option>`)}</select>
<button type="submit">${t.applyFilters}</button>
</form>
</aside>
<div class="results">${results}</div>
</div>`,
  });
  return { page, results };
}
