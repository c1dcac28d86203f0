import { randomUUID } from 'node:crypto';
import type { Order } from '../orders/service.js';
import type { CartSummary } from '../promotions/service.js';
import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import { stockProblems, totalsTable } from './cart-pages.js';
import type { PageContext } from './context.js';
import { money } from './format.js';
import { formErrors, layout } from './layout.js';
import { t } from './strings.js';

export function checkoutPage(ctx: PageContext, summary: CartSummary, errors: string[] = []): SafeHtml {
  const problems = stockProblems(summary);
  return layout(ctx, {
    title: t.checkout,
    canonical: '/checkout',
    body: html`<h1>${t.checkout}</h1>
${formErrors([...errors, ...problems.filter((p) => !errors.includes(p))])}
<section aria-labelledby="summary-title" class="panel">
<h2 id="summary-title">${t.orderSummary}</h2>
<ul class="plain">${summary.items.map((i) => html`<li>${i.quantity} × ${i.productName} <span class="muted">${money(i.subtotalCents)}</span></li>`)}</ul>
${totalsTable(summary)}
</section>
<form method="post" action="/checkout" class="stack">
${csrfInput(ctx.csrf)}
<input type="hidden" name="idempotencyKey" value="${randomUUID()}">
<button type="submit" class="primary"${problems.length ? html` disabled` : null}>${t.placeOrder}</button>
</form>`,
  });
}

export function orderLines(order: Order): SafeHtml {
  return html`<table class="lines">
<caption class="visually-hidden">${t.whatYouOrdered}</caption>
<thead><tr><th scope="col">${t.product}</th><th scope="col">${t.quantity}</th><th scope="col">${t.lineTotal}</th></tr></thead>
<tbody>${order.items.map((i) => html`<tr><th scope="row">${i.productName}</th><td data-label="${t.quantity}">${i.quantity}</td><td data-label="${t.lineTotal}">${money(i.subtotalCents)}</td></tr>`)}</tbody>
</table>
<dl class="totals">
<dt>${t.subtotal}</dt><dd>${money(order.subtotalCents)}</dd>
${order.discountCents > 0 ? html`<dt>${t.discount}</dt><dd>−${money(order.discountCents)}</dd>` : null}
<dt class="grand">${t.total}</dt><dd class="grand">${money(order.totalCents)}</dd>
</dl>`;
}

export function confirmationPage(ctx: PageContext, order: Order): SafeHtml {
  return layout(ctx, {
    title: t.orderNumber(order.id),
    noindex: true,
    body: html`<h1>${t.thankYou(order.id)}</h1>
<p>${order.customerEmail}</p>
<h2>${t.whatYouOrdered}</h2>
${orderLines(order)}
<p><a href="/account/orders/${order.id}">${t.orderNumber(order.id)}</a> · <a href="/search">${t.continueShopping}</a></p>`,
  });
}
