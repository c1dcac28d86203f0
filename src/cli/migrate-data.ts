import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { copyDatabase, type CopyProgress } from '../db/copy.js';
import { action, positiveInteger } from './common.js';

/** Below this many rows a copy takes a moment and a bar would only flicker. */
const BAR_THRESHOLD = 20_000;

function progressReporter(): { onProgress: (p: CopyProgress) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  return {
    onProgress: (p) => {
      if (!bar) {
        if (p.total < BAR_THRESHOLD) return;
        bar = new SingleBar({ format: 'copying [{bar}] {percentage}% | {value}/{total} rows | {table}', hideCursor: true }, Presets.shades_classic);
        bar.start(p.total, p.copied, { table: p.table });
      }
      bar.update(p.copied, { table: p.table });
    },
    stop: () => bar?.stop(),
  };
}

export function register(program: Command): void {
  program
    .command('migrate-data')
    .description('copy every table of one Storekeeper database into another (e.g. an SQLite file into PostgreSQL), keeping ids')
    .requiredOption('--from <source>', 'source: SQLite file or postgres:// URL')
    .requiredOption('--to <target>', 'target: postgres:// URL (add ?schema=name for a schema) or SQLite file')
    .option('--force', 'empty the target first if it already holds data', false)
    .option('--batch <rows>', 'rows per INSERT and per transaction', positiveInteger, 1000)
    .action(
      action(async (opts: { from: string; to: string; force: boolean; batch: number }) => {
        const progress = progressReporter();
        const started = Date.now();
        let report;
        try {
          report = await copyDatabase(opts.from, opts.to, { force: opts.force, batchSize: opts.batch, onProgress: progress.onProgress });
        } finally {
          progress.stop();
        }
        const width = Math.max(...report.tables.map((t) => t.table.length), 5);
        for (const t of report.tables) process.stdout.write(`${t.table.padEnd(width)}  ${String(t.rows).padStart(9)}\n`);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `copied ${report.totalRows} rows in ${report.tables.length} tables (schema version ${report.schemaVersion}) in ${seconds}s; ` +
            'row counts match and every product stock equals its ledger\n',
        );
      }),
    );
}
