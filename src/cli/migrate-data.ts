import { existsSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { copyDatabase, type CopyProgress } from '../db/copy.js';
import { isPostgresUrl, openDriver } from '../db/open.js';
import { copyImages } from '../images/copy.js';
import { imageStoreAt, imageStoreFor } from '../images/options.js';
import { action, CliError, positiveInteger } from './common.js';

/** Copies the images the source database refers to from one store to another. */
async function migrateImages(source: string, from: string | undefined, to: string): Promise<void> {
  const file = source.startsWith('sqlite:') ? source.slice('sqlite:'.length).replace(/^\/\//, '') : source;
  if (!isPostgresUrl(source) && !existsSync(file)) throw new CliError(`Source database ${source} does not exist`);
  const db = await openDriver(source);
  const fromStore = from ? imageStoreAt(from) : imageStoreFor(source, {});
  const toStore = imageStoreAt(to);
  try {
    const report = await copyImages(db, fromStore, toStore);
    process.stdout.write(`images: ${report.referenced} referenced, ${report.copied} copied, ${report.present} already there\n`);
    if (report.missing.length > 0) {
      process.stderr.write(`warning: ${report.missing.length} referenced images are not in the source store: ${report.missing.slice(0, 5).join(', ')}${report.missing.length > 5 ? ', …' : ''}\n`);
    }
  } finally {
    await fromStore.close?.();
    await toStore.close?.();
    await db.close();
  }
}

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
    .option('--to <target>', 'target: postgres:// URL (add ?schema=name for a schema) or SQLite file')
    .option('--force', 'empty the target first if it already holds data', false)
    .option('--batch <rows>', 'rows per INSERT and per transaction', positiveInteger, 1000)
    .option('--images-to <store>', 'also copy the images the source refers to into this store: a directory or s3://bucket/prefix (S3_ENDPOINT, AWS_* credentials)')
    .option('--images-from <store>', "where the source's images are (default: IMAGE_STORE/IMAGE_DIR, else the images folder next to an SQLite source)")
    .action(
      action(async (opts: { from: string; to?: string; force: boolean; batch: number; imagesTo?: string; imagesFrom?: string }) => {
        if (!opts.to && !opts.imagesTo) throw new CliError('give --to (a database) and/or --images-to (an image store)');
        if (opts.imagesFrom && !opts.imagesTo) throw new CliError('--images-from needs --images-to');
        if (!opts.to) return migrateImages(opts.from, opts.imagesFrom, opts.imagesTo!);
        const to = opts.to;
        const progress = progressReporter();
        const started = Date.now();
        let report;
        try {
          report = await copyDatabase(opts.from, to, { force: opts.force, batchSize: opts.batch, onProgress: progress.onProgress });
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
        if (opts.imagesTo) await migrateImages(opts.from, opts.imagesFrom, opts.imagesTo);
      }),
    );
}
