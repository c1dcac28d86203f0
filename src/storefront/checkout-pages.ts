import { randomUUID } from 'node:crypto';
import type { SavedAddress } from '../addresses/service.js';
import type { CartSummary } from '../cart/summary.js';
import { countryName } from '../geo/countries.js';
import type { Order } from '../orders/service.js';
import type { ShippingQuote } from '../shipping/service.js';
import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import { addressFields, formatAddress, type AddressValues } from './address-pages.js';
import { lineName, stockProblems, totalsTable } from './cart-pages.js';
import type { PageContext } from './context.js';
import { money } from './format.js';
import { formErrors, layout } from './layout.js';
import { t } from './strings.js';

export interface CheckoutView {
  summary: CartSummary;
  /** Methods (with this cart's prices) for `country`. */
  methods: ShippingQuote[];
  country: string;
  addresses: SavedAddress[];
  values: AddressValues & { email?: string; addressId?: string; shippingMethodId?: string; idempotencyKey?: string };
  errors: string[];
}

export function checkoutPage(ctx: PageContext, view: CheckoutView): SafeHtml {
  const { summary, methods, addresses, values } = view;
  const problems = stockProblems(summary);
  const chosenAddress = values.addressId ?? String(addresses.find((a) => a.isDefault)?.id ?? addresses[0]?.id ?? 'new');
  const chosenMethod = values.shippingMethodId ?? String(summary.shippingMethodId ?? methods[0]?.methodId ?? '');
  return layout(ctx, {
    title: t.checkout,
    canonical: '/checkout',
    body: html`<h1>${t.checkout}</h1>
${formErrors([...view.errors, ...problems.filter((p) => !view.errors.includes(p))])}
<div class="checkout">
<form method="post" action="/checkout" class="stack">
${csrfInput(ctx.csrf)}
<input type="hidden" name="idempotencyKey" value="${values.idempotencyKey ?? randomUUID()}">
${
  ctx.session
    ? null
    : html`<fieldset><legend>${t.contact}</legend>
<label for="email">${t.email}</label><input id="email" name="email" type="email" value="${values.email ?? ''}" autocomplete="email" required aria-describedby="email-hint">
<p id="email-hint" class="muted">${t.guestEmailHint}</p></fieldset>`
}
<fieldset><legend>${t.shipTo}</legend>
${addresses.map(
  (a) => html`<p class="choice"><input type="radio" id="address-${a.id}" name="addressId" value="${a.id}"${String(a.id) === chosenAddress ? html` checked` : null}> <label for="address-${a.id}">${formatAddress(a)}</label></p>`,
)}
${addresses.length ? html`<p class="choice"><input type="radio" id="address-new" name="addressId" value="new"${chosenAddress === 'new' ? html` checked` : null}> <label for="address-new">${t.newAddress}</label></p>` : null}
${addressFields({ country: view.country, ...values }, 'ship', addresses.length === 0)}
</fieldset>
${
  methods.length
    ? html`<fieldset><legend>${t.shippingMethod}</legend>
<p class="muted">${t.shippingTo(countryName(view.country))}</p>
${methods.map(
  (m) => html`<p class="choice"><input type="radio" id="method-${m.methodId}" name="shippingMethodId" value="${m.methodId}"${String(m.methodId) === chosenMethod ? html` checked` : null} required> <label for="method-${m.methodId}">${m.name} · ${m.priceCents === 0 ? t.free : money(m.priceCents, summary.currency)}</label></p>`,
)}
</fieldset>`
    : null
}
${ctx.shop.config.stripePublishableKey ? html`<fieldset><legend>${t.payment}</legend><p>${t.stripeNextStep}</p></fieldset>` : cardFieldset()}
<button type="submit" class="primary"${problems.length ? html` disabled` : null}>${t.placeOrder}</button>
</form>
<section aria-labelledby="summary-title" class="panel">
<h2 id="summary-title">${t.orderSummary}</h2>
<ul class="plain">${summary.items.map((i) => html`<li>${i.quantity} × ${lineName(i)} <span class="muted">${money(i.subtotalCents, summary.currency)}</span></li>`)}</ul>
${totalsTable(summary)}
</section>
</div>`,
  });
}

/** The test provider's card field (no card data ever reaches a real processor from this form). */
function cardFieldset(): SafeHtml {
  return html`<fieldset><legend>${t.payment}</legend>
<label for="card">${t.cardNumber}</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required pattern="[0-9 ]{12,23}" maxlength="23" aria-describedby="card-hint">
<p id="card-hint" class="muted">${t.testCardHint}</p></fieldset>`;
}

/** After a declined or failed payment: the order exists and holds its stock until it is paid or times out. */
export function paymentPage(ctx: PageContext, order: Order, action: string, errors: string[]): SafeHtml {
  return layout(ctx, {
    title: t.payForOrder(order.id),
    noindex: true,
    body: html`<h1>${t.payForOrder(order.id)}</h1>
${formErrors(errors)}
<div class="checkout">
<form method="post" action="${action}" class="stack">
${csrfInput(ctx.csrf)}
${cardFieldset()}
<button type="submit" class="primary">${t.payNow}</button>
</form>
<section aria-labelledby="summary-title" class="panel">
<h2 id="summary-title">${t.orderSummary}</h2>
${orderLines(order)}
</section>
</div>`,
  });
}

/** Stripe's origins, allowed by the CSP of the Stripe payment page only (Stripe's documented list for Stripe.js and Elements). */
export const STRIPE_CSP = {
  scriptSources: ['https://js.stripe.com', 'https://*.js.stripe.com'],
  frameSources: ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
  connectSources: ['https://api.stripe.com'],
} as const;
export const STRIPE_JS = 'https://js.stripe.com/v3';

export interface StripePayView {
  publishableKey: string;
  /** The pending PaymentIntent's client secret; null when there is none yet (the button creates one). */
  clientSecret: string | null;
  /** Absolute URL Stripe sends the buyer back to after a redirect-based confirmation. */
  returnUrl: string;
  action: string;
  errors: string[];
}

/**
 * The Payment Element page: Stripe.js and our small module mount the element into the form and
 * confirm the PaymentIntent in the browser. Without JavaScript the form stays hidden and the page
 * says so; the order stays placed and payable.
 */
export function stripePaymentPage(ctx: PageContext, order: Order, view: StripePayView): SafeHtml {
  return layout(ctx, {
    title: t.payForOrder(order.id),
    noindex: true,
    externalScripts: view.clientSecret ? [STRIPE_JS] : [],
    scripts: view.clientSecret ? ['stripe-pay.js'] : [],
    body: html`<h1>${t.payForOrder(order.id)}</h1>
${formErrors(view.errors)}
<div class="checkout">
${
  view.clientSecret
    ? html`<div class="stack">
<p id="stripe-status" class="notice" role="status" data-loading="${t.stripeLoading}" data-unavailable="${t.paymentUnavailable}">${t.stripeNeedsJs}</p>
<form method="post" action="${view.action}" class="stack" id="stripe-form" hidden data-stripe-key="${view.publishableKey}" data-client-secret="${view.clientSecret}" data-return-url="${view.returnUrl}">
<fieldset><legend>${t.payment}</legend><div id="payment-element"></div></fieldset>
<p id="stripe-message" class="error-text" role="alert"></p>
<button type="submit" class="primary">${t.payNow}</button>
</form>
</div>`
    : html`<form method="post" action="${view.action}" class="stack">
${csrfInput(ctx.csrf)}
<p>${t.stripeNextStep}</p>
<button type="submit" class="primary">${t.stripeStart}</button>
</form>`
}
<section aria-labelledby="summary-title" class="panel">
<h2 id="summary-title">${t.orderSummary}</h2>
${orderLines(order)}
</section>
</div>`,
  });
}

export function orderLines(order: Order): SafeHtml {
  const c = order.currency;
  return html`<table class="lines">
<caption class="visually-hidden">${t.whatYouOrdered}</caption>
<thead><tr><th scope="col">${t.product}</th><th scope="col">${t.quantity}</th><th scope="col">${t.lineTotal}</th></tr></thead>
<tbody>${order.items.map((i) => html`<tr><th scope="row">${lineName(i)}</th><td data-label="${t.quantity}">${i.quantity}</td><td data-label="${t.lineTotal}">${money(i.subtotalCents, c)}</td></tr>`)}</tbody>
</table>
<dl class="totals">
<dt>${t.subtotal}</dt><dd>${money(order.subtotalCents, c)}</dd>
${order.discountCents > 0 ? html`<dt>${t.discount}</dt><dd>−${money(order.discountCents, c)}</dd>` : null}
${order.shippingMethod ? html`<dt>${t.shipping} (${order.shippingMethod.name})</dt><dd>${order.shippingCents === 0 ? t.free : money(order.shippingCents, c)}</dd>` : null}
${order.taxCents > 0 ? html`<dt>${t.tax}</dt><dd>${money(order.taxCents, c)}</dd>` : null}
<dt class="grand">${t.total}</dt><dd class="grand">${money(order.totalCents, c)}</dd>
</dl>
${order.shippingAddress ? html`<h3>${t.shipTo}</h3><address>${formatAddress(order.shippingAddress)}</address>` : null}`;
}

export function confirmationPage(
  ctx: PageContext,
  order: Order & { paymentStatus?: string },
  guestToken: string | null = null,
  options: { payHref?: string; failed?: boolean } = {},
): SafeHtml {
  const state = order.paymentStatus ?? 'unpaid';
  const payable = (state === 'unpaid' || state === 'voided') && order.status === 'pending' && options.payHref !== undefined;
  return layout(ctx, {
    title: t.orderNumber(order.id),
    noindex: true,
    body: html`<h1>${t.thankYou(order.id)}</h1>
<p>${order.email}</p>
<p><strong>${t.payment}:</strong> ${t.paymentState(state)}</p>
${options.failed && payable ? formErrors([t.paymentFailed]) : state === 'unpaid' ? html`<p class="muted">${t.paymentPending}</p>` : null}
${payable ? html`<p><a class="button primary" href="${options.payHref}">${t.payNow}</a></p>` : null}
<h2>${t.whatYouOrdered}</h2>
${orderLines(order)}
<p>${guestToken === null ? html`<a href="/account/orders/${order.id}">${t.orderNumber(order.id)}</a> · ` : null}<a href="/search">${t.continueShopping}</a></p>`,
  });
}
