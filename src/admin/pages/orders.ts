import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { staffMoveOptions } from '../../orders/staff-rules.js';
import { ORDER_STATUSES, type OrderStatus } from '../../orders/status.js';
import { refundable, type PaymentStatus } from '../../payments/ledger.js';
import { field, formOf } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import * as v from '../../validate.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, nextLink, when } from '../layout.js';
import { decodePosition, orderEmails, orderRefunds, PAYMENT_STATUSES, type OrderFilter } from '../queries.js';
import { orderDetail, PAYMENT_LABELS } from './order-detail.js';
import { orderPaymentPages } from './order-payments.js';

/** The order filters of a request's query string (the URL is the state: back and reload keep them). */
export function orderFilter(get: (name: string) => string): OrderFilter {
  const status = get('status');
  const payment = get('payment');
  return {
    status: (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : undefined,
    payment: (PAYMENT_STATUSES as readonly string[]).includes(payment) ? (payment as PaymentStatus) : undefined,
    email: get('email').trim() || undefined,
    from: get('from') || undefined,
    to: get('to') || undefined,
  };
}

export function orderPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/orders', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const filter = orderFilter((n) => param(request, n));
    const page = await ctx.queries.orders(filter, decodePosition(param(request, 'after') || undefined));
    const kept = { status: filter.status, payment: filter.payment, email: filter.email, from: filter.from, to: filter.to };
    const exportQuery = new URLSearchParams(Object.entries(kept).filter((e): e is [string, string] => !!e[1])).toString();
    const body = html`
      <form method="get" action="/admin/orders" class="filters" role="search" aria-label="Filter orders">
        <p><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>${ORDER_STATUSES.map(
          (s) => html`<option value="${s}"${s === filter.status ? html` selected` : ''}>${s}</option>`,
        )}</select></p>
        <p><label for="payment">Payment</label><select id="payment" name="payment"><option value="">Any</option>${PAYMENT_STATUSES.map(
          (s) => html`<option value="${s}"${s === filter.payment ? html` selected` : ''}>${PAYMENT_LABELS[s]}</option>`,
        )}</select></p>
        <p><label for="email">Customer email</label><input id="email" name="email" value="${filter.email ?? ''}" aria-describedby="email-hint"> <span id="email-hint" class="hint">Or its beginning</span></p>
        <p><label for="from">From</label><input id="from" name="from" type="date" value="${filter.from ?? ''}"></p>
        <p><label for="to">To</label><input id="to" name="to" type="date" value="${filter.to ?? ''}"></p>
        <p><button type="submit">Filter</button></p>
      </form>
      <p><a class="button" href="/admin/csv/orders.csv${exportQuery ? `?${exportQuery}` : ''}" download>Export CSV</a></p>
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Orders, newest first</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Payment</th><th scope="col">Total</th><th scope="col">Placed</th></tr></thead>
        <tbody>${page.items.map(
          (o) => html`<tr><td><a href="/admin/orders/${o.id}">#${o.id}</a></td><td>${o.name} <span class="muted">${o.email}</span></td><td>${o.status}</td><td>${PAYMENT_LABELS[o.paymentStatus]}</td><td>${money(o.totalCents)}</td><td>${when(o.createdAt)}</td></tr>`,
        )}</tbody>
      </table></div>
      ${page.items.length === 0 ? html`<p>No orders match.</p>` : ''}
      ${nextLink('/admin/orders', kept, 'after', page.next)}`;
    return render(ctx, request, reply, staff, { title: 'Orders', section: 'orders', body });
  });

  scope.get('/orders/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const id = pathId(request);
    const order = id ? await platform.getOrder(id) : null;
    if (!order) throw new NotFoundError('Order', id || param(request, 'id'));
    const captured = order.payments.find((p) => p.status === 'captured');
    const [emails, { refunds, restocked }, refundableCents] = await Promise.all([
      orderEmails(platform.db, order.id),
      orderRefunds(platform.db, order.id),
      captured ? refundable(platform.db, captured.id) : Promise.resolve(0),
    ]);
    const body = orderDetail(order, staff, { emails, refunds, restocked, refundableCents, currency: platform.shop.currency, done: param(request, 'done') });
    return render(ctx, request, reply, staff, { title: `Order #${order.id}`, section: 'orders', body });
  });

  scope.post('/orders/:id/status', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const id = pathId(request);
    const to = v.oneOf(field(formOf(request.body), 'status'), 'status', ORDER_STATUSES);
    await platform.orders.updateStatus(id, to, staffMoveOptions(staff.role, id, to));
    return redirectAfterPost(reply, `/admin/orders/${id}?done=${encodeURIComponent(`Order is now ${to}`)}`);
  });

  orderPaymentPages(scope, ctx);
}
