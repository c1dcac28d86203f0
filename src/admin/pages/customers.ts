import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { html } from '../../web/html.js';
import { guard, idParam, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, nextLink, when } from '../layout.js';

export function customerPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/customers', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const q = param(request, 'q').trim();
    const page = await ctx.queries.customers(q || undefined, idParam(request, 'after') ?? 0);
    const body = html`
      <form method="get" action="/admin/customers" class="filters" role="search" aria-label="Search customers">
        <p><label for="q">Email starts with</label><input id="q" name="q" value="${q}"></p>
        <p><button type="submit">Search</button></p>
      </form>
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Customers</caption>
        <thead><tr><th scope="col">Customer</th><th scope="col">Email</th><th scope="col">Account</th><th scope="col">Since</th></tr></thead>
        <tbody>${page.items.map(
          (c) => html`<tr><td><a href="/admin/customers/${c.id}">${c.name}</a></td><td>${c.email}</td><td>${c.role ?? 'none'}</td><td>${when(c.createdAt)}</td></tr>`,
        )}</tbody>
      </table></div>
      ${page.items.length === 0 ? html`<p>No customers match.</p>` : ''}
      ${nextLink('/admin/customers', { q }, 'after', page.next)}`;
    return render(ctx, request, reply, staff, { title: 'Customers', section: 'customers', body });
  });

  scope.get('/customers/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const id = pathId(request);
    const customer = id ? await platform.getCustomer(id) : null;
    if (!customer) throw new NotFoundError('Customer', id || param(request, 'id'));
    const orders = await platform.orders.forCustomer(id, { limit: 20 });
    const body = html`
      <section class="card" aria-labelledby="profile"><h2 id="profile">Profile</h2>
        <dl>
          <dt>Email</dt><dd>${customer.email}</dd>
          <dt>Phone</dt><dd>${customer.phone ?? '—'}</dd>
          <dt>Address</dt><dd>${customer.address ?? '—'}</dd>
          <dt>Customer since</dt><dd>${when(customer.createdAt)}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="orders"><h2 id="orders">Latest orders</h2>
        ${orders.length === 0 ? html`<p>No orders yet.</p>` : html`<div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Placed</th></tr></thead>
          <tbody>${orders.map((o) => html`<tr><td><a href="/admin/orders/${o.id}">#${o.id}</a></td><td>${o.status}</td><td>${money(o.totalCents)}</td><td>${when(o.createdAt)}</td></tr>`)}</tbody>
        </table></div>
        <p><a href="/admin/orders?email=${customer.email}">All orders of this customer</a></p>`}
      </section>`;
    return render(ctx, request, reply, staff, { title: customer.name, section: 'customers', body });
  });
}
