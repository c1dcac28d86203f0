import type { Product } from '../catalog/service.js';
import { html, type SafeHtml } from '../web/html.js';
import { money, productPath } from './format.js';
import { t } from './strings.js';

export function stockBadge(stock: number): SafeHtml {
  if (stock <= 0) return html`<span class="stock out">${t.outOfStock}</span>`;
  if (stock <= 5) return html`<span class="stock low">${t.onlyLeft(stock)}</span>`;
  return html`<span class="stock in">${t.inStock}</span>`;
}

export function stars(avg: number | null, count: number): SafeHtml {
  if (avg === null || count === 0) return html`<span class="rating none">${t.noReviews}</span>`;
  const full = Math.round(avg);
  return html`<span class="rating"><span aria-hidden="true">${'★'.repeat(full)}${'☆'.repeat(5 - full)}</span> <span class="visually-hidden">${t.rating(avg, count)}</span><span aria-hidden="true">(${count})</span></span>`;
}

/** One review's own rating. */
export function reviewStars(rating: number): SafeHtml {
  return html`<span class="rating"><span aria-hidden="true">${'★'.repeat(rating)}${'☆'.repeat(5 - rating)}</span><span class="visually-hidden">${t.stars(rating)}</span></span>`;
}

/** One product in a grid: the whole card is its link. */
export function productCard(p: Product): SafeHtml {
  return html`<li class="card">
<a href="${productPath(p)}">
<span class="thumb" aria-hidden="true">${p.imageUrl ? html`<img src="${p.imageUrl}" alt="" width="320" height="240" loading="lazy">` : html`<span class="placeholder">${p.name.slice(0, 1)}</span>`}</span>
<span class="name">${p.name}</span>
</a>
<span class="price">${money(p.priceCents, p.currency)}</span>
${stockBadge(p.stock)}
${stars(p.averageRating, p.reviewCount)}
</li>`;
}

export function productGrid(products: readonly Product[], label: string): SafeHtml {
  return html`<ul class="grid" aria-label="${label}">${products.map((p) => productCard(p))}</ul>`;
}
