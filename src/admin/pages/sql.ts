import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import type { Row } from '../../db/driver.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf } from '../../web/form.js';
import { html } from '../../web/html.js';
import { guard, PAGE, render, type AdminContext } from '../context.js';

/** Rows shown on the page; the CSV has them all. */
const SHOWN = 500;
const MAX_SQL = 20_000;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The SQL console over `platform.query()`: read-only whatever is typed (the driver refuses writes
 * on both backends), for administrators only.
 */
export function sqlPages(scope: FastifyInstance, ctx: AdminContext): void {
  const run = async (sql: string): Promise<{ rows: Row[] | null; error: string | null }> => {
    if (sql.trim() === '') return { rows: null, error: null };
    if (sql.length > MAX_SQL) return { rows: null, error: `The query is longer than ${MAX_SQL} characters.` };
    try {
      return { rows: await ctx.platform.query(sql), error: null };
    } catch (e) {
      return { rows: null, error: e instanceof Error ? e.message : String(e) };
    }
  };

  const page = (csrf: string, sql: string, result: { rows: Row[] | null; error: string | null }) => {
    const columns = result.rows?.length ? Object.keys(result.rows[0]!) : [];
    return html`
      <form method="post" action="/admin/sql" class="card stack">
        ${csrfInput(csrf)}
        <p><label for="sql">Query (read-only)</label><textarea id="sql" name="sql" rows="6" spellcheck="false" class="mono" required>${sql}</textarea></p>
        <div class="row"><button type="submit">Run query</button>
        <button type="submit" formaction="/admin/sql.csv">Export as CSV</button></div>
      </form>
      ${result.error ? html`<p class="error" role="alert">${result.error}</p>` : ''}
      ${result.rows
        ? html`<p role="status">${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.rows.length > SHOWN ? `, the first ${SHOWN} shown` : ''}.</p>
          <div class="scroll" tabindex="0"><table class="mono"><caption class="sr">Query results</caption>
            <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
            <tbody>${result.rows.slice(0, SHOWN).map((r) => html`<tr>${columns.map((c) => html`<td>${cell(r[c])}</td>`)}</tr>`)}</tbody>
          </table></div>`
        : ''}`;
  };

  scope.get('/sql', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    return render(ctx, request, reply, staff, { title: 'SQL console', section: 'sql', body: page(staff.csrf, '', { rows: null, error: null }) });
  });

  scope.post('/sql', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const sql = field(formOf(request.body), 'sql');
    const result = await run(sql);
    return render(ctx, request, reply, staff, { title: 'SQL console', section: 'sql', body: page(staff.csrf, sql, result), status: result.error ? 400 : 200 });
  });

  scope.post('/sql.csv', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const sql = field(formOf(request.body), 'sql');
    const result = await run(sql);
    if (!result.rows) {
      return render(ctx, request, reply, staff, { title: 'SQL console', section: 'sql', body: page(staff.csrf, sql, result), status: 400 });
    }
    const columns = result.rows.length ? Object.keys(result.rows[0]!) : [];
    const csv = stringify([columns, ...result.rows.map((r) => columns.map((c) => cell(r[c])))]);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="query.csv"')
      .header('cache-control', 'no-store')
      .send(csv);
  });
}
