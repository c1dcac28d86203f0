import type { CartSummary } from '../cart/summary.js';
import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import type { PageContext } from './context.js';
import { money } from './format.js';
import { formErrors, layout, notice } from './layout.js';
import { t } from './strings.js';

type Line = CartSummary['items'][number];

/** "Trail Shoe (42 / Blue)"; just the name for a product without options. */
export function lineName(line: { productName: string; variantTitle: string | null }): string {
  return line.variantTitle && line.variantTitle !== 'Default' ? `${line.productName} (${line.variantTitle})` : line.productName;
}

/** Lines whose quantity the stock no longer covers, with the message naming each. */
export function stockProblems(summary: CartSummary): string[] {
  return summary.items.filter((i) => i.quantity > i.availableStock).map((i) => t.stockRanOut(lineName(i), i.availableStock));
}

export function totalsTable(summary: CartSummary): SafeHtml {
  const c = summary.currency;
  return html`<dl class="totals">
<dt>${t.subtotal}</dt><dd>${money(summary.subtotalCents, c)}</dd>
${summary.discountCents > 0 ? html`<dt>${t.discount}${summary.discountCode ? ` (${summary.discountCode})` : ''}</dt><dd>−${money(summary.discountCents, c)}</dd>` : null}
${summary.shippingCents !== null ? html`<dt>${t.shipping}</dt><dd>${summary.shippingCents === 0 ? t.free : money(summary.shippingCents, c)}</dd>` : null}
${summary.taxCents > 0 ? html`<dt>${t.tax}</dt><dd>${money(summary.taxCents, c)}</dd>` : null}
<dt class="grand">${t.total}</dt><dd class="grand">${money(summary.totalCents, c)}</dd>
</dl>`;
}

export interface CartPageState {
  errors?: string[];
  message?: string | null;
}

function lineRow(ctx: PageContext, i: Line, currency: string): SafeHtml {
  const name = lineName(i);
  return html`<tr${i.quantity > i.availableStock ? html` class="problem"` : null}>
<th scope="row"><a href="/product/${i.productId}">${name}</a></th>
<td data-label="${t.unitPrice}">${money(i.priceCents, currency)}</td>
<td data-label="${t.quantity}"><form method="post" action="/cart/update" class="qty" data-enhance>${csrfInput(ctx.csrf)}<input type="hidden" name="productId" value="${i.productId}"><input type="hidden" name="variantId" value="${i.variantId}">
<label class="visually-hidden" for="qty-${i.variantId}">${t.quantityOf(name)}</label>
<input id="qty-${i.variantId}" name="quantity" type="number" min="0" max="999" value="${i.quantity}" inputmode="numeric" data-autosubmit>
<button type="submit">${t.update}</button></form></td>
<td data-label="${t.lineTotal}">${money(i.subtotalCents, currency)}</td>
<td><form method="post" action="/cart/remove" data-enhance>${csrfInput(ctx.csrf)}<input type="hidden" name="productId" value="${i.productId}"><input type="hidden" name="variantId" value="${i.variantId}"><button type="submit" class="link" aria-label="${t.removeLine(name)}">${t.remove}</button></form></td>
</tr>`;
}

export function cartPage(ctx: PageContext, summary: CartSummary | null, state: CartPageState = {}): SafeHtml {
  const problems = summary ? stockProblems(summary) : [];
  const errors = [...(state.errors ?? []), ...problems.filter((p) => !(state.errors ?? []).includes(p))];
  const body =
    !summary || summary.items.length === 0
      ? html`<h1>${t.yourCart}</h1>${notice(state.message ?? null)}${formErrors(state.errors ?? [])}<p>${t.emptyCart}</p><p><a href="/search">${t.continueShopping}</a></p>`
      : html`<h1>${t.yourCart}</h1>
${notice(state.message ?? null)}
${formErrors(errors)}
<table class="lines">
<caption class="visually-hidden">${t.yourCart}</caption>
<thead><tr><th scope="col">${t.product}</th><th scope="col">${t.unitPrice}</th><th scope="col">${t.quantity}</th><th scope="col">${t.lineTotal}</th><th scope="col"><span class="visually-hidden">${t.remove}</span></th></tr></thead>
<tbody>${summary.items.map((i) => lineRow(ctx, i, summary.currency))}</tbody>
</table>
<div class="cart-foot">
<form method="post" action="/cart/discount" class="code" data-enhance>${csrfInput(ctx.csrf)}
<label for="code">${t.discountCode}</label>
<input id="code" name="code" maxlength="64" value="${summary.discountCode ?? ''}" autocomplete="off">
<button type="submit">${t.applyCode}</button>
</form>
${summary.discountCode ? html`<form method="post" action="/cart/discount/remove" data-enhance>${csrfInput(ctx.csrf)}<button type="submit" class="link">${t.removeCode}</button></form>` : null}
${summary.discountProblem ? html`<p class="muted">${summary.discountProblem}</p>` : null}
${totalsTable(summary)}
<form method="get" action="/checkout"><button type="submit" class="primary"${problems.length ? html` disabled` : null}>${t.checkout}</button></form>
</div>`;
  return layout(ctx, { title: t.yourCart, canonical: '/cart', scripts: ['search.js', 'cart.js'], body });
}
