import type { FastifyInstance } from 'fastify';
import type { Dashboard } from '../../reports/dashboard.js';
import { html, jsonForScript } from '../../web/html.js';
import { guard, param, PAGE, render, type AdminContext } from '../context.js';
import { money, when } from '../layout.js';

const WINDOWS = [7, 30, 90] as const;
/** How long a built dashboard is shown again (see DashboardReport.cached): 0, the summaries make a build cheap. */
export const DASHBOARD_MAX_AGE_S = 0;

function figures(label: string, f: Dashboard['today']) {
  return html`<section class="card figure" aria-labelledby="fig-${label.replace(/\W+/g, '-')}">
    <h2 id="fig-${label.replace(/\W+/g, '-')}">${label}</h2>
    <dl><dt>Sales</dt><dd>${money(f.revenueCents)}</dd><dt>Orders</dt><dd>${f.orders}</dd><dt>Average order</dt><dd>${money(f.averageOrderCents)}</dd>
      <dt>Refunded</dt><dd>${money(f.refundedCents)}</dd></dl>
  </section>`;
}

/** A payment state as words ("partially_refunded" → "partially refunded"). */
function label(state: string): string {
  return state.replace(/_/g, ' ');
}

export function dashboardPages(scope: FastifyInstance, ctx: AdminContext): void {
  scope.get('/', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const asked = Number(param(request, 'days'));
    const days = (WINDOWS as readonly number[]).includes(asked) ? (asked as 7 | 30 | 90) : 30;
    const d = await ctx.dashboard.cached(days);
    const chartData = { days: d.perDay.map((p) => p.date), revenue: d.perDay.map((p) => p.revenueCents / 100), orders: d.perDay.map((p) => p.orders) };
    const body = html`
      <div class="grid">${figures('Today', d.today)}${figures('This month', d.month)}</div>
      <section class="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Revenue and orders per day, last ${days} days</h2>
        <p class="switch">Show: ${WINDOWS.map((w) =>
          w === days ? html`<strong aria-current="true">${w} days</strong> ` : html`<a href="/admin?days=${w}">${w} days</a> `,
        )}</p>
        <div id="sales-chart" class="chart" role="img" aria-label="Chart of revenue and orders per day; the same figures are in the table below"></div>
        <script type="application/json" id="sales-data">${jsonForScript(chartData)}</script>
        <details><summary>Figures per day</summary>
          <table><caption class="sr">Revenue and orders per day</caption>
            <thead><tr><th scope="col">Day</th><th scope="col">Orders</th><th scope="col">Revenue</th></tr></thead>
            <tbody>${d.perDay.slice().reverse().map((p) => html`<tr><td>${p.date}</td><td>${p.orders}</td><td>${money(p.revenueCents)}</td></tr>`)}</tbody>
          </table>
        </details>
      </section>
      <div class="grid">
        <section class="card" aria-labelledby="by-status"><h2 id="by-status">Orders by status (${days} days)</h2>
          ${d.byStatus.length === 0 ? html`<p>No orders yet.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Status</th><th scope="col">Orders</th></tr></thead><tbody>
            ${d.byStatus.map((s) => html`<tr><td><a href="/admin/orders?status=${s.status}">${s.status}</a></td><td>${s.orders}</td></tr>`)}</tbody></table></div>`}
        </section>
        <section class="card" aria-labelledby="by-payment"><h2 id="by-payment">Orders by payment state (${days} days)</h2>
          ${d.byPayment.length === 0 ? html`<p>No orders yet.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Payment</th><th scope="col">Orders</th></tr></thead><tbody>
            ${d.byPayment.map((s) => html`<tr><td>${label(s.paymentStatus)}</td><td>${s.orders}</td></tr>`)}</tbody></table></div>`}
        </section>
        <section class="card" aria-labelledby="top-customers"><h2 id="top-customers">Top customers this month</h2>
          ${d.topCustomers.length === 0 ? html`<p>No sales this month yet.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Customer</th><th scope="col">Orders</th><th scope="col">Spent</th></tr></thead><tbody>
            ${d.topCustomers.map((c) => html`<tr><td><a href="/admin/customers/${c.customerId}">${c.name}</a></td><td>${c.orders}</td><td>${money(c.spentCents)}</td></tr>`)}</tbody></table></div>`}
        </section>
        <section class="card" aria-labelledby="low-stock"><h2 id="low-stock">Low stock</h2>
          ${d.lowStock.length === 0 ? html`<p>Nothing is running low.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Variant</th><th scope="col">SKU</th><th scope="col">Stock</th></tr></thead><tbody>
            ${d.lowStock.map((p) => html`<tr><td><a href="/admin/products/${p.productId}">${p.name}</a></td><td>${p.sku ?? '—'}</td><td>${p.stock}</td></tr>`)}</tbody></table></div>`}
        </section>
        <section class="card" aria-labelledby="awaiting"><h2 id="awaiting">Waiting to be fulfilled</h2>
          ${d.awaitingFulfilment.length === 0 ? html`<p>No paid order is waiting.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Placed</th></tr></thead><tbody>
            ${d.awaitingFulfilment.map((o) => html`<tr><td><a href="/admin/orders/${o.orderId}">#${o.orderId}</a> ${o.email}</td><td>${o.status}, ${label(o.paymentStatus)}</td><td>${money(o.totalCents)}</td><td>${when(o.createdAt)}</td></tr>`)}</tbody></table></div>`}
        </section>
        <section class="card" aria-labelledby="expiring"><h2 id="expiring">Unpaid, about to expire</h2>
          ${d.expiringUnpaid.length === 0 ? html`<p>No unpaid orders.</p>` : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Order</th><th scope="col">Total</th><th scope="col">Cancelled at (UTC)</th></tr></thead><tbody>
            ${d.expiringUnpaid.map((o) => html`<tr><td><a href="/admin/orders/${o.orderId}">#${o.orderId}</a> ${o.email}</td><td>${money(o.totalCents)}</td><td>${when(o.expiresAt)}</td></tr>`)}</tbody></table></div>`}
        </section>
      </div>`;
    return render(ctx, request, reply, staff, { title: 'Dashboard', section: 'dashboard', body, scripts: ['uplot.js', 'dashboard.js'], styles: ['uplot.css'] });
  });
}
