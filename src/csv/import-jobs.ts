import type { Driver } from '../db/driver.js';
import { now } from '../db/sql.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Currency } from '../money.js';
import { importProducts, type ImportReport } from './import.js';

export type ImportStatus = 'planned' | 'running' | 'done';

export interface ImportJob {
  id: number;
  fileName: string;
  status: ImportStatus;
  /** A running job whose progress has not moved for STALL_MS: its process stopped; it may be applied again. */
  stalled: boolean;
  createdBy: number | null;
  rowsTotal: number;
  batchesTotal: number;
  batchesDone: number;
  plan: ImportReport;
  result: ImportReport | null;
  createdAt: string;
  updatedAt: string;
}

export interface ImportJobSummary {
  id: number;
  fileName: string;
  status: ImportStatus;
  rowsTotal: number;
  createdAt: string;
}

/** A batch takes well under this; a running job not updated for longer was interrupted (a restart). */
export const STALL_MS = 60_000;
/** How long an unapplied dry run (and its file) is kept. */
export const KEEP_PLANNED_MS = 7 * 24 * 3600_000;

interface JobRow {
  id: number;
  file_name: string;
  status: ImportStatus;
  created_by: number | null;
  rows_total: number;
  batches_total: number;
  batches_done: number;
  plan: string;
  result: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The admin panel's imports: the dry run is stored with its file (status `planned`); "Apply"
 * claims the job once (a second click or a second tab gets a conflict) and runs it in this process,
 * writing the batches done after each batch, which the progress page reads.
 */
export class ImportJobs {
  constructor(
    private readonly db: Driver,
    private readonly currency: Currency,
  ) {}

  /** Parses and plans the file (a bad file throws and nothing is stored); returns the job's id. */
  async dryRun(fileName: string, file: Uint8Array, createdBy: number | null): Promise<number> {
    const plan = await importProducts(this.db, file, this.currency, { dryRun: true });
    const at = now();
    const row = await this.db.transaction(async (tx) => {
      // A dry run nobody applied within a week is stale (the catalog has moved on): it goes, with its file.
      await tx.run("DELETE FROM import_jobs WHERE status = 'planned' AND created_at < ?", [new Date(Date.now() - KEEP_PLANNED_MS).toISOString()]);
      return tx.get<{ id: number }>(
        `INSERT INTO import_jobs (kind, file_name, content, status, created_by, rows_total, batches_total, batches_done, plan, result, created_at, updated_at)
         VALUES ('products', ?, ?, 'planned', ?, ?, ?, 0, ?, NULL, ?, ?) RETURNING id`,
        [fileName.slice(0, 200), new TextDecoder().decode(file), createdBy, plan.rows, plan.batches, JSON.stringify(plan), at, at],
      );
    });
    return row!.id;
  }

  async get(id: number): Promise<ImportJob | null> {
    const r = await this.db.get<JobRow>(
      'SELECT id, file_name, status, created_by, rows_total, batches_total, batches_done, plan, result, created_at, updated_at FROM import_jobs WHERE id = ?',
      [id],
    );
    if (!r) return null;
    return {
      id: r.id,
      fileName: r.file_name,
      status: r.status,
      stalled: r.status === 'running' && Date.now() - Date.parse(r.updated_at) > STALL_MS,
      createdBy: r.created_by,
      rowsTotal: Number(r.rows_total),
      batchesTotal: Number(r.batches_total),
      batchesDone: Number(r.batches_done),
      plan: JSON.parse(r.plan) as ImportReport,
      result: r.result === null ? null : (JSON.parse(r.result) as ImportReport),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /** The latest imports, newest first. */
  async recent(limit = 10): Promise<ImportJobSummary[]> {
    const rows = await this.db.all<{ id: number; file_name: string; status: ImportStatus; rows_total: number; created_at: string }>(
      'SELECT id, file_name, status, rows_total, created_at FROM import_jobs ORDER BY created_at DESC, id DESC LIMIT ?',
      [limit],
    );
    return rows.map((r) => ({ id: r.id, fileName: r.file_name, status: r.status, rowsTotal: Number(r.rows_total), createdAt: r.created_at }));
  }

  /**
   * Claims a planned (or interrupted) job and applies it; resolves when the job is done. The claim
   * is one conditional UPDATE, so two clicks on Apply run it once. Callers that must not wait
   * (the admin page) keep the promise and redirect to the progress page.
   */
  async start(id: number, changedBy: number | null): Promise<{ run: Promise<void> }> {
    const at = now();
    const stale = new Date(Date.now() - STALL_MS).toISOString();
    const claimed = await this.db.transaction((tx) =>
      tx.run(
        `UPDATE import_jobs SET status = 'running', batches_done = 0, result = NULL, updated_at = ?
         WHERE id = ? AND (status = 'planned' OR (status = 'running' AND updated_at < ?))`,
        [at, id, stale],
      ),
    );
    if (claimed.changes === 0) {
      const job = await this.get(id);
      if (!job) throw new NotFoundError('Import', id);
      throw new ConflictError(job.status === 'done' ? `Import ${id} has been applied already; upload the file again to run it again` : `Import ${id} is being applied`);
    }
    return { run: this.run(id, changedBy) };
  }

  private async run(id: number, changedBy: number | null): Promise<void> {
    const row = await this.db.get<{ content: string }>('SELECT content FROM import_jobs WHERE id = ?', [id]);
    const progress = (done: number) => this.db.transaction((tx) => tx.run('UPDATE import_jobs SET batches_done = ?, updated_at = ? WHERE id = ?', [done, now(), id]));
    let result: ImportReport;
    try {
      result = await importProducts(this.db, row!.content, this.currency, { changedBy, onBatch: async (p) => void (await progress(p.done)) });
    } catch (e) {
      // The file was planned already, so this is the database failing: kept on the job, shown on its page.
      const plan = (await this.get(id))?.plan;
      const message = e instanceof Error ? e.message : String(e);
      result = { ...(plan ?? emptyReport()), dryRun: false, failedBatches: [{ batch: 0, firstLine: 0, lastLine: 0, message }], lines: [] };
    }
    await this.db.transaction((tx) =>
      // The file is not needed any more (running it again is a new upload and dry run).
      tx.run("UPDATE import_jobs SET status = 'done', result = ?, content = '', updated_at = ? WHERE id = ?", [JSON.stringify(result), now(), id]),
    );
  }
}

function emptyReport(): ImportReport {
  return { dryRun: false, rows: 0, batches: 0, created: 0, updated: 0, unchanged: 0, refused: 0, failed: 0, productsCreated: 0, failedBatches: [], lines: [] };
}
