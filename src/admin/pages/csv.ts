import type { FastifyInstance } from 'fastify';
import { exportCsv, EXPORT_KINDS, type ExportKind } from '../../csv/export.js';
import { NotFoundError } from '../../errors.js';
import { html } from '../../web/html.js';
import { guard, PAGE, param, render, type AdminContext } from '../context.js';
import { orderFilter } from './orders.js';

const LABELS: Record<ExportKind, string> = {
  products: 'Products',
  orders: 'Orders',
  customers: 'Customers',
  inventory: 'Inventory ledger',
};

export function csvPages(scope: FastifyInstance, ctx: AdminContext): void {
  scope.get('/csv', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const body = html`
      <section class="card" aria-labelledby="export"><h2 id="export">Export</h2>
        <ul>${EXPORT_KINDS.map((k) => html`<li><a href="/admin/csv/${k}.csv" download>Export ${LABELS[k]} as CSV</a></li>`)}</ul>
        <p class="hint">Exports are streamed: they start at once and work for any size. The orders export takes the filters of the orders list.</p>
      </section>
      ${staff.role === 'admin' ? html`<p>The products export imports back after editing: <a href="/admin/import">Import products from CSV</a>.</p>` : ''}`;
    return render(ctx, request, reply, staff, { title: 'CSV', section: 'csv', body });
  });

  scope.get('/csv/:kind', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply);
    if (!staff) return reply;
    const name = (request.params as { kind: string }).kind;
    const kind = name.endsWith('.csv') ? name.slice(0, -4) : name;
    if (!(EXPORT_KINDS as readonly string[]).includes(kind)) throw new NotFoundError('Export', name);
    const stream = exportCsv(ctx.platform.db, kind as ExportKind, { orders: orderFilter((n) => param(request, n)), currency: ctx.platform.shop.currency });
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${kind}-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });
}
