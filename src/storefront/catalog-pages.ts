import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.js';
import { SEARCH_SORTS, type SearchQuery, type SearchResult, type SearchSort } from '../search/service.js';
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
  };
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
<form method="get" action="${base}" class="filters" data-live-filters>
${p.q ? html`<input type="hidden" name="q" value="${p.q}">` : null}
${p.category && !inCategory ? html`<input type="hidden" name="category" value="${p.category}">` : null}
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
