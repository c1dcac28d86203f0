import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { MAX_IMPORT_BYTES } from '../csv/import-format.js';
import type { ImportReport } from '../csv/import.js';
import { action, CliError, DB_OPTION_HELP, defaultDatabase, openPlatform, positiveInteger } from './common.js';
import { renderTable } from './table.js';

interface ImportFlags {
  dryRun?: boolean;
  db?: string;
  batchSize?: number;
  json?: boolean;
}

/** Exit code when the file was read but some lines were refused or a batch rolled back. */
export const EXIT_INCOMPLETE = 2;

/**
 * `storekeeper import products FILE [--dry-run]`: the admin panel's CSV import from the terminal.
 * Prints the summary and every refused or failed line; with --dry-run also what would change.
 */
export function register(program: Command): void {
  program
    .command('import')
    .description('import products from CSV (the format of `export products`; SKU is the key, so a rerun creates no duplicates)')
    .argument('<what>', 'products')
    .argument('<file>', 'the CSV file')
    .option('--dry-run', 'show what would be created, changed and refused, and write nothing')
    .option('--batch-size <rows>', 'rows per batch, each batch one transaction (a product is never split)', positiveInteger)
    .option('--json', 'print the whole report as JSON')
    .option('--db <target>', DB_OPTION_HELP)
    .action(
      action(async (what: string, file: string, flags: ImportFlags) => {
        if (what !== 'products') throw new CliError(`cannot import "${what}"; only products can be imported`);
        const size = await stat(file).catch(() => null);
        if (!size?.isFile()) throw new CliError(`no file at ${file}`);
        if (size.size > MAX_IMPORT_BYTES) throw new CliError(`${file} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into several files`);
        const bytes = await readFile(file);
        const platform = await openPlatform(flags.db ?? defaultDatabase(), { mustExist: true });
        try {
          const report = await platform.importProductsCsv(bytes, {
            dryRun: flags.dryRun === true,
            batchRows: flags.batchSize,
            onBatch: flags.json || flags.dryRun ? undefined : (p) => void process.stderr.write(`batch ${p.done}/${p.total}\n`),
          });
          process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
          if (report.refused > 0 || report.failed > 0) process.exitCode = EXIT_INCOMPLETE;
        } finally {
          await platform.close();
        }
      }),
    );
}

function describe(r: ImportReport): string {
  const out: string[] = [];
  const verb = r.dryRun ? 'Dry run, nothing written: would create' : 'Created';
  out.push(
    `${verb} ${r.created} line${r.created === 1 ? '' : 's'} (${r.productsCreated} new product${r.productsCreated === 1 ? '' : 's'}), ` +
      `${r.dryRun ? 'change' : 'changed'} ${r.updated}, unchanged ${r.unchanged}, refused ${r.refused}` +
      `${r.failed > 0 ? `, rolled back ${r.failed}` : ''}; ${r.rows} rows in ${r.batches} batch${r.batches === 1 ? '' : 'es'}.`,
  );
  const problems = r.lines.filter((l) => l.action === 'refuse' || l.action === 'failed');
  if (problems.length > 0) {
    out.push('', 'Refused:', renderTable(['line', 'sku', 'product', 'reason'], problems.map((l) => [l.line, l.sku ?? '', l.product, l.reason]), { align: ['right', 'left', 'left', 'left'] }));
  }
  const changes = r.lines.filter((l) => l.action === 'create' || l.action === 'update');
  if (r.dryRun && changes.length > 0) {
    out.push('', 'Changes:', renderTable(['line', 'sku', 'action', 'what'], changes.map((l) => [l.line, l.sku ?? '', l.action, l.changes.join('; ')]), { align: ['right', 'left', 'left', 'left'] }));
  }
  for (const f of r.failedBatches) out.push(`Batch ${f.batch} (lines ${f.firstLine}–${f.lastLine}) was rolled back: ${f.message}`);
  return `${out.join('\n')}\n`;
}
