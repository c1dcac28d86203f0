import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { ImportJobs, type ImportJob } from '../../csv/import-jobs.js';
import { MAX_IMPORT_BYTES, PRODUCT_COLUMNS } from '../../csv/import-format.js';
import type { ImportLine, ImportReport } from '../../csv/import.js';
import { NotFoundError, StorekeeperError, ValidationError } from '../../errors.js';
import { csrfInput } from '../../web/csrf.js';
import { html, type SafeHtml } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { notice, when } from '../layout.js';

/** Lines shown per table on a report page; the CLI's --json gives the whole report. */
const SHOWN = 1000;
/** Seconds between reloads of a running import's page (the `Refresh` header: no script, no meta element). */
const REFRESH_S = 2;

const ACTION_LABEL: Record<ImportLine['action'], string> = {
  create: 'create',
  update: 'change',
  unchanged: 'unchanged',
  refuse: 'refused',
  failed: 'rolled back',
};

/**
 * CSV product import (admins only): upload → dry-run report (nothing written) → Apply → a
 * progress page that reloads itself until the job row says done. Works without JavaScript.
 */
export function importPages(scope: FastifyInstance, ctx: AdminContext): void {
  const jobs = new ImportJobs(ctx.platform.db, ctx.platform.shop.currency);

  scope.get('/import', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const recent = await jobs.recent();
    const body = html`
      ${notice(param(request, 'done'))}
      <section class="card" aria-labelledby="upload-h"><h2 id="upload-h">Check a file</h2>
        <form method="post" action="/admin/import" enctype="multipart/form-data" class="stack">
          ${csrfInput(staff.csrf)}
          <p><label for="file">CSV file</label>
            <input id="file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="file-hint"></p>
          <p id="file-hint" class="hint">UTF-8 CSV, up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB. The next page shows what would be created, changed and refused; nothing is written until you apply it.</p>
          <p><button type="submit">Check file (dry run)</button></p>
        </form>
      </section>
      <section class="card" aria-labelledby="format-h"><h2 id="format-h">Format</h2>
        <p>The format of the <a href="/admin/csv/products.csv" download>products export</a>: one row per variant, columns
          <span class="mono">${PRODUCT_COLUMNS.join(', ')}</span>. Only <span class="mono">product</span> and <span class="mono">sku</span> are required; a missing column leaves that field as it is.</p>
        <ul>
          <li>The SKU is the key: a row with a SKU the shop has changes that variant, a new SKU creates one, so running the same file again creates no duplicates.</li>
          <li>Rows with the same <span class="mono">product</span> value are one product. The export writes the product’s id; for a new product use any other key, such as <span class="mono">new-hoodie</span>.</li>
          <li>Amounts are decimals in the shop’s currency (12.50); <span class="mono">stock</span> is the count on hand (the difference is written to the inventory ledger); an empty <span class="mono">variant_price</span> means the product’s price.</li>
        </ul>
      </section>
      ${
        recent.length === 0
          ? ''
          : html`<h2>Recent imports</h2>
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Recent imports</caption>
        <thead><tr><th scope="col">File</th><th scope="col">Checked</th><th scope="col">Rows</th><th scope="col">Status</th></tr></thead>
        <tbody>${recent.map(
          (j) => html`<tr><td><a href="/admin/import/${j.id}">${j.fileName}</a></td><td>${when(j.createdAt)}</td><td>${j.rowsTotal}</td><td>${
            j.status === 'planned' ? 'checked, not applied' : j.status === 'running' ? 'applying' : 'applied'
          }</td></tr>`,
        )}</tbody>
      </table></div>`
      }`;
    return render(ctx, request, reply, staff, { title: 'Import products', section: 'import', body });
  });

  // The multipart parser only for the upload, in its own scope (as for image uploads).
  void scope.register(async (upload: FastifyInstance) => {
    await upload.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 3, parts: 4 } });
    upload.post('/import', PAGE, async (request, reply) => {
      const staff = await guard(ctx, request, reply, 'admin', { csrfChecked: true });
      if (!staff) return reply;
      if (!request.isMultipart()) throw new ValidationError('Send the file with the upload form', [{ path: 'file', message: 'is required' }]);
      const file = await request.file();
      // The token field comes before the file in the form, so it has arrived when the file starts.
      const token = file?.fields._csrf;
      request.body = { _csrf: token && !Array.isArray(token) && 'value' in token ? String(token.value) : '' };
      ctx.sessions.verify(request, staff);
      if (!file) throw new ValidationError('Choose a CSV file to check', [{ path: 'file', message: 'is required' }]);
      const tooLarge = () => new StorekeeperError('payload_too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into several files`);
      const bytes = await file.toBuffer().catch((e: unknown) => {
        throw (e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge() : e;
      });
      if (file.file.truncated) throw tooLarge();
      if (bytes.length === 0) throw new ValidationError('The file is empty; choose a CSV file with a header row', [{ path: 'file', message: 'is empty' }]);
      const id = await jobs.dryRun(file.filename || 'upload.csv', bytes, staff.customerId);
      return redirectAfterPost(reply, `/admin/import/${id}`);
    });
  });

  scope.get('/import/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const job = await jobs.get(pathId(request));
    if (!job) throw new NotFoundError('Import', param(request, 'id') || (request.params as { id: string }).id);
    const refreshing = job.status === 'running' && !job.stalled && param(request, 'refresh') !== 'off';
    if (refreshing) reply.header('refresh', String(REFRESH_S));
    const title = job.status === 'planned' ? 'Import: dry run' : job.status === 'running' ? (job.stalled ? 'Import interrupted' : 'Applying import') : 'Import applied';
    return render(ctx, request, reply, staff, { title, section: 'import', body: jobPage(job, staff.csrf, refreshing) });
  });

  scope.post('/import/:id/apply', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    const { run } = await jobs.start(id, staff.customerId);
    // Runs on after the redirect; the page follows it through the job row.
    run.catch((err: unknown) => request.log.error({ err }, 'import failed'));
    return redirectAfterPost(reply, `/admin/import/${id}`);
  });
}

function jobPage(job: ImportJob, csrf: string, refreshing: boolean): SafeHtml {
  const head = html`<p>File <strong>${job.fileName}</strong>, checked ${when(job.createdAt)}: ${count(job.rowsTotal, 'row')} in ${count(job.batchesTotal, 'batch', 'batches')}.</p>`;
  if (job.status === 'planned') {
    const p = job.plan;
    const applicable = p.created + p.updated > 0;
    return html`${head}
      <p class="notice" role="status">Dry run: nothing has been written.</p>
      ${summary(p, true)}
      ${lineTables(p, true)}
      ${
        applicable
          ? html`<form method="post" action="/admin/import/${job.id}/apply" class="card stack">${csrfInput(csrf)}
          <p>Applying writes the ${count(p.created + p.updated, 'line')} to create or change, in batches; each batch is saved whole or not at all.${p.refused > 0 ? ` The ${count(p.refused, 'refused line')} ${p.refused === 1 ? 'is' : 'are'} skipped: fix ${p.refused === 1 ? 'it' : 'them'} and import the file again (lines already imported are then unchanged).` : ''}</p>
          <p><button type="submit">Apply import</button></p></form>`
          : html`<p>There is nothing to create or change.</p>`
      }
      <p><a href="/admin/import">Check another file</a></p>`;
  }
  if (job.status === 'running') {
    const bar = html`<p><label for="progress">Batches applied</label>
      <progress id="progress" max="${job.batchesTotal}" value="${job.batchesDone}">${job.batchesDone} of ${job.batchesTotal}</progress>
      ${job.batchesDone} of ${job.batchesTotal} batches</p>`;
    if (job.stalled) {
      return html`${head}${bar}
        <p role="alert">This import stopped after ${job.batchesDone} of ${job.batchesTotal} batches (the server was stopped or restarted). Every batch applied is kept whole.</p>
        <form method="post" action="/admin/import/${job.id}/apply" class="card stack">${csrfInput(csrf)}
          <p>Applying again runs the whole file: what is already imported is found by its SKU and left unchanged.</p>
          <p><button type="submit">Apply again</button></p></form>`;
    }
    return html`${head}${bar}
      <p class="hint">${
        refreshing
          ? html`This page reloads every ${REFRESH_S} seconds until the import is done. <a href="/admin/import/${job.id}?refresh=off">Stop reloading</a>`
          : html`<a href="/admin/import/${job.id}">Reload to see the progress</a>`
      }</p>`;
  }
  const r = job.result!;
  return html`${head}
    <p class="notice" role="status">Import applied${r.failedBatches.length > 0 ? ` with ${count(r.failedBatches.length, 'batch', 'batches')} rolled back` : ''}.</p>
    ${summary(r, false)}
    ${
      r.failedBatches.length > 0
        ? html`<section class="card" aria-labelledby="failed-h"><h2 id="failed-h">Rolled back</h2><ul>${r.failedBatches.map(
            (f) => html`<li>${f.batch > 0 ? `Batch ${f.batch}, lines ${f.firstLine}–${f.lastLine}: ` : ''}${f.message}</li>`,
          )}</ul><p>Nothing of these batches was written; the other batches are kept. Import the file again once the cause is fixed.</p></section>`
        : ''
    }
    ${lineTables(r, false)}
    <p><a href="/admin/import">Import another file</a> · <a href="/admin/products">Products</a></p>`;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summary(r: ImportReport, dryRun: boolean): SafeHtml {
  return html`<dl class="card">
    <dt>${dryRun ? 'Would create' : 'Created'}</dt><dd>${count(r.created, 'line')} (${count(r.productsCreated, 'new product')})</dd>
    <dt>${dryRun ? 'Would change' : 'Changed'}</dt><dd>${r.updated}</dd>
    <dt>Unchanged</dt><dd>${r.unchanged}</dd>
    <dt>Refused</dt><dd>${r.refused}</dd>
    ${r.failed > 0 ? html`<dt>Rolled back</dt><dd>${r.failed}</dd>` : ''}
  </dl>`;
}

function lineTables(r: ImportReport, dryRun: boolean): SafeHtml {
  const refused = r.lines.filter((l) => l.action === 'refuse' || l.action === 'failed');
  const changes = r.lines.filter((l) => l.action === 'create' || l.action === 'update');
  return html`${
    refused.length > 0
      ? html`<h2 id="refused-h">Refused lines</h2>${table('refused-h', ['Line', 'SKU', 'Product', 'Reason'], refused, (l) => [l.reason ?? ''])}`
      : ''
  }${
    changes.length > 0
      ? html`<h2 id="changes-h">${dryRun ? 'What would change' : 'What changed'}</h2>${table('changes-h', ['Line', 'SKU', 'Product', 'Action', 'Details'], changes, (l) => [
          ACTION_LABEL[l.action],
          l.changes.join('; '),
        ])}`
      : ''
  }`;
}

function table(labelledBy: string, headers: readonly string[], lines: readonly ImportLine[], rest: (l: ImportLine) => string[]): SafeHtml {
  return html`<div class="scroll" tabindex="0" role="region" aria-labelledby="${labelledBy}"><table class="report">
    <thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${lines.slice(0, SHOWN).map(
      (l) => html`<tr><td>${l.line}</td><td>${l.sku ?? ''}</td><td>${l.product}</td>${rest(l).map((c) => html`<td>${c}</td>`)}</tr>`,
    )}</tbody>
  </table></div>${lines.length > SHOWN ? html`<p class="hint">The first ${SHOWN} of ${lines.length} lines; <span class="mono">storekeeper import products FILE --dry-run --json</span> lists them all.</p>` : ''}`;
}
