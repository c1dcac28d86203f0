import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import type { ProductDetail } from '../platform.js';
import { reviewStars, stars, stockBadge } from './components.js';
import type { PageContext } from './context.js';
import { categoryPath, date, decimalPrice, money, productPath } from './format.js';
import { formErrors, layout, notice } from './layout.js';
import { t } from './strings.js';

export interface ProductPageState {
  added?: boolean;
  reviewed?: boolean;
  errors?: string[];
}

function structuredData(ctx: PageContext, p: ProductDetail, images: string[]): unknown {
  const url = ctx.absolute(productPath(p));
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: p.name,
    description: p.description || p.name,
    sku: String(p.id),
    ...(images.length ? { image: images.map((i) => (i.startsWith('/') ? ctx.absolute(i) : i)) } : {}),
    ...(p.category ? { category: p.category } : {}),
    ...(p.averageRating !== null && p.reviewCount > 0
      ? { aggregateRating: { '@type': 'AggregateRating', ratingValue: p.averageRating.toFixed(1), reviewCount: p.reviewCount } }
      : {}),
    offers: {
      '@type': 'Offer',
      url,
      price: decimalPrice(p.priceCents, p.currency),
      priceCurrency: p.currency,
      availability: p.stock > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
    },
  };
}

/** Size/colour choice: one radio per variant with its own price and availability; sold-out ones cannot be chosen. */
function variantChoice(p: ProductDetail): SafeHtml | null {
  if (p.variants.length <= 1) return p.variants[0] ? html`<input type="hidden" name="variantId" value="${p.variants[0].id}">` : null;
  const first = p.variants.find((v) => v.stock > 0);
  return html`<fieldset class="variants"><legend>${p.options.map((o) => o.name).join(' / ') || t.variant}</legend>
${p.variants.map(
  (v) => html`<p><input type="radio" id="variant-${v.id}" name="variantId" value="${v.id}"${v === first ? html` checked` : null}${v.stock <= 0 ? html` disabled` : null} required>
<label for="variant-${v.id}">${v.title} · ${money(v.priceCents, p.currency)} · ${v.stock <= 0 ? t.outOfStock : v.stock <= 5 ? t.onlyLeft(v.stock) : t.inStock}</label></p>`,
)}
</fieldset>`;
}

export async function productPage(ctx: PageContext, p: ProductDetail, state: ProductPageState = {}): Promise<SafeHtml> {
  const { platform } = ctx.shop;
  const [images, reviews] = await Promise.all([platform.getProductImages(p.id), platform.getProductReviews(p.id, { limit: 20 })]);
  const imageUrls = images.length ? images.map((i) => i.url) : p.imageUrl ? [p.imageUrl] : [];
  const onSale = p.lowestPrice30dCents !== null;
  const mine = ctx.session ? reviews.reviews.find((r) => r.customerId === ctx.session!.customerId) : undefined;
  return layout(ctx, {
    title: p.name,
    description: (p.description || p.name).slice(0, 155),
    canonical: productPath(p),
    scripts: ['search.js', 'cart.js'],
    jsonLd: structuredData(ctx, p, imageUrls),
    body: html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/">${t.home}</a>${p.category ? html` › <a href="${categoryPath(p.category)}">${p.category}</a>` : null}</nav>
<article class="product">
<div class="gallery" aria-label="${t.productImages}" role="group">
${
  imageUrls.length
    ? imageUrls.map((url, i) => html`<img src="${url}" alt="${i === 0 ? p.name : `${p.name} (${i + 1})`}" width="640" height="480"${i === 0 ? null : html` loading="lazy"`}>`)
    : html`<span class="placeholder big" aria-hidden="true">${p.name.slice(0, 1)}</span><span class="visually-hidden">${t.noImage}</span>`
}
</div>
<div class="buy">
<h1>${p.name}</h1>
${stars(p.averageRating, p.reviewCount)}
<p class="price big">${money(p.priceCents, p.currency)}</p>
${onSale ? html`<p class="muted">${t.wasLowest(money(p.lowestPrice30dCents!, p.currency))}</p>` : null}
<p>${stockBadge(p.stock)}</p>
${notice(state.added ? t.addedToCart(p.name) : null)}
${formErrors(state.errors ?? [])}
${
  p.stock > 0
    ? html`<form method="post" action="/cart/add" class="add" data-enhance>
${csrfInput(ctx.csrf)}
<input type="hidden" name="productId" value="${p.id}">
${variantChoice(p)}
<label for="quantity">${t.quantity}</label>
<input id="quantity" name="quantity" type="number" min="1" max="${Math.min(p.stock, 99)}" value="1" inputmode="numeric" required>
<button type="submit" class="primary">${t.addToCart}</button>
</form>`
    : null
}
<h2>${t.description}</h2>
<p>${p.description}</p>
</div>
</article>
<section class="reviews" aria-labelledby="reviews-title">
<h2 id="reviews-title">${t.reviews}</h2>
${notice(state.reviewed ? t.reviewThanks : null)}
${reviews.reviews.length === 0 ? html`<p>${t.noReviews}</p>` : null}
<ul class="review-list">
${reviews.reviews.map(
  (r) => html`<li><p><strong>${r.title ?? ''}</strong> ${reviewStars(r.rating)}</p>
<p class="muted">${r.authorName} · ${date(r.createdAt)}${r.verified ? html` · <span class="badge">${t.verifiedPurchase}</span>` : null}</p>
${r.text ? html`<p>${r.text}</p>` : null}</li>`,
)}
</ul>
${
  ctx.session
    ? mine
      ? null
      : html`<h3>${t.writeReview}</h3>
<form method="post" action="/product/${p.id}/review" class="stack">
${csrfInput(ctx.csrf)}
<label for="rating">${t.yourRating}</label>
<select id="rating" name="rating" required>${[5, 4, 3, 2, 1].map((n) => html`<option value="${n}">${n} ★</option>`)}</select>
<label for="review-title">${t.reviewTitle}</label><input id="review-title" name="title" maxlength="200">
<label for="review-text">${t.reviewText}</label><textarea id="review-text" name="text" rows="4" maxlength="5000"></textarea>
<button type="submit">${t.submitReview}</button>
</form>`
    : html`<p><a href="/signin?next=${encodeURIComponent(productPath(p))}">${t.signInToReview}</a></p>`
}
</section>`,
  });
}
