import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { ORDER_STATUSES, TRANSITIONS, type OrderStatus } from '../../orders/status.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import * as v from '../../validate.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, nextLink, notice, when } from '../layout.js';
import { decodePosition, type OrderFilter } from '../queries.js';

/** The button of each move, named after what it does. */
export const MOVE_LABELS: Record<OrderStatus, string> = {
  pending: 'Mark as pending',
  processing: 'Mark as processing',
  shipped: 'Mark as shipped',
  delivered: 'Mark as delivered',
  cancelled: 'Cancel order',
};

/** The order filters of a request's query string (the URL is the state: back and reload keep them). */
export function orderFilter(get: (name: string) => string): OrderFilter {
  const status = get('status');
  return {
    status: (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : undefined,
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
    const kept = { status: filter.status, email: filter.email, from: filter.from, to: filter.to };
    const exportQuery = new URLSearchParams(Object.entries(kept).filter((e): e is [string, string] => !!e[1])).toString();
    const body = html`
      <form method="get" action="/admin/orders" class="filters" role="search" aria-label="Filter orders">
        <p><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>${ORDER_STATUSES.map(
          (s) => html`<option value="${s}"${s === filter.status ? html` selected` : ''}>${s}</option>`,
        )}</select></p>
        <p><label for="email">Customer email</label><input id="email" name="email" value="${filter.email ?? ''}" aria-describedby="email-hint"> <span id="email-hint" class="hint">Or its beginning</span></p>
        <p><label for="from">From</label><input id="from" name="from" type="date" value="${filter.from ?? ''}"></p>
        <p><label for="to">To</label><input id="to" name="to" type="date" value="${filter.to ?? ''}"></p>
        <p><button type="submit">Filter</button></p>
      </form>
      <p><a class="button" href="/admin/csv/orders.csv${exportQuery ? `?${exportQuery}` : ''}" download>Export CSV</a></p>
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Orders, newest first</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Placed</th></tr></thead>
        <tbody>${page.items.map(
          (o) => html`<tr><td><a href="/admin/orders/${o.id}">#${o.id}</a></td><td>${o.name} <span class="muted">${o.email}</span></td><td>${o.status}</td><td>${money(o.totalCents)}</td><td>${when(o.createdAt)}</td></tr>`,
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
    const moves = TRANSITIONS[order.status];
    const body = html`
      ${notice(param(request, 'done'))}
      <div class="grid">
        <section class="card" aria-labelledby="summary"><h2 id="summary">Summary</h2>
          <dl>
            <dt>Status</dt><dd><strong>${order.status}</strong></dd>
            <dt>Customer</dt><dd><a href="/admin/customers/${order.customerId}">${order.customerName}</a> ${order.customerEmail}</dd>
            <dt>Placed</dt><dd>${when(order.createdAt)}</dd>
          </dl>
          ${moves.length
            ? html`<div class="row">${moves.map(
                (to) => html`<form method="post" action="/admin/orders/${order.id}/status">${csrfInput(staff.csrf)}<input type="hidden" name="status" value="${to}"><button type="submit"${to === 'cancelled' ? html` class="danger"` : ''}>${MOVE_LABELS[to]}</button></form>`,
              )}</div>`
            : html`<p>This order is ${order.status}: it has no further moves.</p>`}
        </section>
        <section class="card" aria-labelledby="timeline"><h2 id="timeline">Status timeline</h2>
          <ol>${order.statusHistory.map((h) => html`<li>${h.status} <span class="muted">${when(h.at)}</span></li>`)}</ol>
        </section>
      </div>
      <section class="card" aria-labelledby="lines"><h2 id="lines">Lines</h2>
        <div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Subtotal</th></tr></thead>
          <tbody>${order.items.map(
            (i) => html`<tr><td><a href="/admin/products/${i.productId}">${i.productName}</a></td><td>${i.quantity}</td><td>${money(i.priceCents)}</td><td>${money(i.subtotalCents)}</td></tr>`,
          )}</tbody>
          <tfoot>
            <tr><th scope="row" colspan="3">Subtotal</th><td>${money(order.subtotalCents)}</td></tr>
            ${order.discountCents ? html`<tr><th scope="row" colspan="3">Discount ${order.discountCode ?? ''}</th><td>−${money(order.discountCents)}</td></tr>` : ''}
            <tr><th scope="row" colspan="3">Total</th><td><strong>${money(order.totalCents)}</strong></td></tr>
          </tfoot>
        </table></div>
      </section>`;
    return render(ctx, request, reply, staff, { title: `Order #${order.id}`, section: 'orders', body });
  });

  scope.post('/orders/:id/status', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const id = pathId(request);
    const to = v.oneOf(field(formOf(request.body), 'status'), 'status', ORDER_STATUSES);
    const order = await platform.updateOrderStatus(id, to);
    return redirectAfterPost(reply, `/admin/orders/${id}?done=${encodeURIComponent(`Order is now ${order.status}`)}`);
  });
}
