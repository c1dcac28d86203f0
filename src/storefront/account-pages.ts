import type { Customer } from '../customers/service.js';
import type { Order } from '../orders/service.js';
import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import { orderLines } from './checkout-pages.js';
import type { PageContext } from './context.js';
import { date, dateTime, money } from './format.js';
import { formErrors, layout, notice } from './layout.js';
import { t } from './strings.js';

/** `next` after signing in: only a path on this site, never another origin. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%~+]*$/.test(next) ? next : '/account';
}

export function signInPage(ctx: PageContext, next: string, email = '', errors: string[] = [], message: string | null = null): SafeHtml {
  return layout(ctx, {
    title: t.signIn,
    canonical: '/signin',
    body: html`<h1>${t.signIn}</h1>
${notice(message)}
${formErrors(errors)}
<form method="post" action="/signin" class="stack narrow">
${csrfInput(ctx.csrf)}
<input type="hidden" name="next" value="${next}">
<label for="email">${t.email}</label><input id="email" name="email" type="email" value="${email}" autocomplete="email" required>
<label for="password">${t.password}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">${t.signIn}</button>
</form>
<p><a href="/forgot-password">${t.forgotPassword}</a></p>
<p>${t.noAccount} <a href="/register?next=${encodeURIComponent(next)}">${t.createAccount}</a></p>`,
  });
}

export function registerPage(ctx: PageContext, next: string, values: { email?: string; name?: string } = {}, errors: string[] = []): SafeHtml {
  return layout(ctx, {
    title: t.register,
    canonical: '/register',
    body: html`<h1>${t.createAccount}</h1>
${formErrors(errors)}
<form method="post" action="/register" class="stack narrow">
${csrfInput(ctx.csrf)}
<input type="hidden" name="next" value="${next}">
<label for="name">${t.fullName}</label><input id="name" name="name" value="${values.name ?? ''}" autocomplete="name" required maxlength="200">
<label for="email">${t.email}</label><input id="email" name="email" type="email" value="${values.email ?? ''}" autocomplete="email" required>
<label for="password">${t.password}</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="password-hint">
<p id="password-hint" class="muted">${t.passwordHint}</p>
<button type="submit" class="primary">${t.register}</button>
</form>
<p>${t.haveAccount} <a href="/signin?next=${encodeURIComponent(next)}">${t.signIn}</a></p>`,
  });
}

export function accountNav(current: 'profile' | 'orders' | 'addresses'): SafeHtml {
  const tab = (key: typeof current, href: string, label: string) => html`<a href="${href}"${current === key ? html` aria-current="page"` : null}>${label}</a>`;
  return html`<nav class="tabs" aria-label="${t.account}">${tab('profile', '/account', t.profile)} ${tab('orders', '/account/orders', t.orders)} ${tab('addresses', '/account/addresses', t.addressBook)}</nav>`;
}

export function profilePage(ctx: PageContext, customer: Customer, state: { saved?: boolean; errors?: string[] } = {}): SafeHtml {
  return layout(ctx, {
    title: t.account,
    noindex: true,
    body: html`<h1>${t.account}</h1>
${accountNav('profile')}
${notice(state.saved ? t.profileSaved : null)}
${formErrors(state.errors ?? [])}
<form method="post" action="/account/profile" class="stack narrow">
${csrfInput(ctx.csrf)}
<p>${t.email}: ${customer.email}</p>
<label for="name">${t.fullName}</label><input id="name" name="name" value="${customer.name}" autocomplete="name" required maxlength="200">
<label for="address">${t.address}</label><textarea id="address" name="address" rows="3" autocomplete="street-address" maxlength="500">${customer.address ?? ''}</textarea>
<label for="phone">${t.phone}</label><input id="phone" name="phone" type="tel" value="${customer.phone ?? ''}" autocomplete="tel" maxlength="50">
<button type="submit">${t.saveProfile}</button>
</form>`,
  });
}

export function ordersPage(ctx: PageContext, orders: Array<Order & { paymentStatus?: string }>): SafeHtml {
  return layout(ctx, {
    title: t.orders,
    noindex: true,
    body: html`<h1>${t.orders}</h1>
${accountNav('orders')}
${
  orders.length === 0
    ? html`<p>${t.noOrders}</p>`
    : html`<table class="lines"><caption class="visually-hidden">${t.orders}</caption>
<thead><tr><th scope="col">${t.order}</th><th scope="col">${t.placed}</th><th scope="col">${t.status}</th><th scope="col">${t.payment}</th><th scope="col">${t.total}</th></tr></thead>
<tbody>${orders.map((o) => html`<tr><th scope="row"><a href="/account/orders/${o.id}">${t.orderNumber(o.id)}</a></th><td data-label="${t.placed}">${date(o.createdAt)}</td><td data-label="${t.status}">${t.statusNames[o.status] ?? o.status}</td><td data-label="${t.payment}">${t.paymentState(o.paymentStatus ?? 'unpaid')}</td><td data-label="${t.total}">${money(o.totalCents, o.currency)}</td></tr>`)}</tbody></table>`
}`,
  });
}

export function orderPage(ctx: PageContext, order: Order & { paymentStatus?: string }, cancelled = false): SafeHtml {
  const payment = order.paymentStatus ?? 'unpaid';
  return layout(ctx, {
    title: t.orderNumber(order.id),
    noindex: true,
    body: html`<h1>${t.orderNumber(order.id)}</h1>
${accountNav('orders')}
${notice(cancelled ? t.orderCancelled : null)}
<p>${t.status}: <strong>${t.statusNames[order.status] ?? order.status}</strong></p>
<p>${t.payment}: <strong>${t.paymentState(payment)}</strong></p>
${order.status === 'pending' && (payment === 'unpaid' || payment === 'voided') ? html`<p><a class="button primary" href="/checkout/pay/${order.id}">${t.payNow}</a></p>` : null}
<h2>${t.timeline}</h2>
<ol class="timeline">${order.statusHistory.map((s) => html`<li><span>${t.statusNames[s.status] ?? s.status}</span> <time datetime="${s.at}">${dateTime(s.at)}</time></li>`)}</ol>
<h2>${t.whatYouOrdered}</h2>
${orderLines(order)}
${
  order.status === 'pending'
    ? html`<form method="post" action="/account/orders/${order.id}/cancel">${csrfInput(ctx.csrf)}<button type="submit">${t.cancelOrder}</button></form>`
    : null
}`,
  });
}
