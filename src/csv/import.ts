import type { Driver } from '../db/driver.js';
import type { Currency } from '../money.js';
import { parseProductCsv, type ImportRow } from './import-format.js';
import { planBatch, type Claims, type Group, type GroupPlan } from './import-plan.js';
import { writeBatch } from './import-write.js';

export { formatAmount, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PRODUCT_COLUMNS } from './import-format.js';

/** What the import does (or, in a dry run, would do) with one line of the file. */
export type LineAction = 'create' | 'update' | 'unchanged' | 'refuse' | 'failed';

export interface ImportLine {
  line: number;
  product: string;
  sku: string | null;
  action: LineAction;
  /** The product the line belongs to; null for a product still to be created (or refused). */
  productId: number | null;
  /** What changes, readable: `price 10.00 → 12.00`, `new variant M / Blue`. */
  changes: string[];
  reason: string | null;
}

export interface ImportBatchFailure {
  batch: number;
  firstLine: number;
  lastLine: number;
  message: string;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  refused: number;
  failed: number;
  productsCreated: number;
  failedBatches: ImportBatchFailure[];
  /** Every line of the file, in file order. */
  lines: ImportLine[];
}

export interface ImportProgress {
  done: number;
  total: number;
}

export interface ImportOptions {
  /** Plan only: read the catalog, write nothing. */
  dryRun?: boolean;
  /** Rows per batch (a product's rows are never split); default 200. */
  batchRows?: number;
  /** The admin's customer id, recorded in the price history. */
  changedBy?: number | null;
  /** Called after each batch (committed or rolled back). */
  onBatch?: (progress: ImportProgress) => void | Promise<void>;
}

export const DEFAULT_BATCH_ROWS = 200;

/**
 * Imports products from CSV (the export's format): parses and validates the whole file, groups the
 * rows by product, and plans each batch against the catalog. A dry run stops there and writes
 * nothing. Otherwise each batch is planned again and written inside its own transaction, so a
 * batch is all or nothing, a failing batch rolls back only itself, and a rerun finds every SKU it
 * created and changes nothing more (SKU is the key).
 */
export async function importProducts(db: Driver, input: string | Uint8Array, currency: Currency, options: ImportOptions = {}): Promise<ImportReport> {
  const file = await parseProductCsv(input, currency);
  const groups = groupRows(file.rows);
  const batches = toBatches(groups, Math.max(1, options.batchRows ?? DEFAULT_BATCH_ROWS));
  const report: ImportReport = {
    dryRun: options.dryRun === true,
    rows: file.rows.length,
    batches: batches.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    refused: 0,
    failed: 0,
    productsCreated: 0,
    failedBatches: [],
    lines: [],
  };
  const lines = new Map<number, ImportLine>();
  // A product met under one key may not come back under another (its rows would be planned apart).
  const claimed: Claims = new Map();
  for (const [i, batch] of batches.entries()) {
    if (options.dryRun) {
      const plans = await planBatch(db, batch, currency, new Map(claimed), false);
      record(plans, claimed, lines, report);
    } else {
      try {
        const { plans, created } = await db.transaction(async (tx) => {
          const planned = await planBatch(tx, batch, currency, new Map(claimed), true);
          const ids = await writeBatch(tx, planned, options.changedBy ?? null);
          return { plans: planned, created: ids };
        });
        plans.forEach((p, j) => (p.productId = created[j] ?? p.productId));
        record(plans, claimed, lines, report);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const all = batch.flatMap((g) => g.rows);
        report.failedBatches.push({ batch: i + 1, firstLine: all[0]!.line, lastLine: all[all.length - 1]!.line, message });
        for (const row of all) {
          lines.set(row.line, { line: row.line, product: row.product, sku: row.sku, action: 'failed', productId: null, changes: [], reason: `batch ${i + 1} rolled back: ${message}` });
        }
      }
    }
    await options.onBatch?.({ done: i + 1, total: batches.length });
  }
  report.lines = [...lines.values()].sort((a, b) => a.line - b.line);
  for (const l of report.lines) {
    if (l.action === 'create') report.created++;
    else if (l.action === 'update') report.updated++;
    else if (l.action === 'unchanged') report.unchanged++;
    else if (l.action === 'refuse') report.refused++;
    else report.failed++;
  }
  return report;
}


/** Rows by product key in the order of the file; a SKU given twice is refused on its later line. */
function groupRows(rows: readonly ImportRow[]): Group[] {
  const bySku = new Map<string, number>();
  const groups = new Map<string, Group>();
  for (const row of rows) {
    if (!row.refusal && row.sku !== null) {
      const first = bySku.get(row.sku);
      if (first !== undefined) row.refusal = `SKU ${row.sku} is also on line ${first}`;
      else bySku.set(row.sku, row.line);
    }
    const group = groups.get(row.product);
    if (group) group.rows.push(row);
    else groups.set(row.product, { key: row.product, rows: [row] });
  }
  return [...groups.values()];
}

/** Consecutive products up to `size` rows per batch; a product is never split across batches. */
function toBatches(groups: readonly Group[], size: number): Group[][] {
  const batches: Group[][] = [];
  let current: Group[] = [];
  let rows = 0;
  for (const g of groups) {
    if (current.length > 0 && rows + g.rows.length > size) {
      batches.push(current);
      current = [];
      rows = 0;
    }
    current.push(g);
    rows += g.rows.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Turns a batch's plans into report lines (and remembers the products it met). */
function record(plans: readonly GroupPlan[], claimed: Claims, lines: Map<number, ImportLine>, report: ImportReport): void {
  for (const plan of plans) {
    if (plan.refusal) {
      for (const row of plan.rows) {
        const own = row.line === plan.refusal.line;
        lines.set(row.line, {
          line: row.line,
          product: row.product,
          sku: row.sku,
          action: 'refuse',
          productId: plan.productId,
          changes: [],
          reason: own ? plan.refusal.reason : `not imported: line ${plan.refusal.line} of the same product is refused`,
        });
      }
      continue;
    }
    if (plan.productId !== null && !claimed.has(plan.productId)) claimed.set(plan.productId, { key: plan.key, line: plan.rows[0]!.line });
    if (plan.create) report.productsCreated++;
    plan.variants.forEach((w, i) => {
      const changes = i === 0 ? [...plan.productChanges, ...w.changes] : w.changes;
      const action: LineAction = plan.create || w.id === null ? 'create' : changes.length > 0 ? 'update' : 'unchanged';
      lines.set(w.row.line, { line: w.row.line, product: w.row.product, sku: w.sku, action, productId: plan.productId, changes, reason: null });
    });
  }
}
