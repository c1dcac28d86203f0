import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { seedCatalog } from '../catalog/seed.js';
import { action, DB_OPTION_HELP, defaultDatabase, describeTarget, nonNegativeInteger, openPlatform, positiveInteger } from './common.js';

interface SeedFlags {
  products: number;
  batch: number;
  seed: number;
  db?: string;
}

export function register(program: Command): void {
  program
    .command('seed')
    .description('add a generated, realistic catalog (names, categories, descriptions, prices, stock) for trying things out and benchmarks')
    .requiredOption('--products <n>', 'how many products to add', positiveInteger)
    .option('--batch <n>', 'products per transaction', positiveInteger, 5000)
    .option('--seed <n>', 'generator seed: the same seed gives the same catalog', nonNegativeInteger, 1)
    .option('--db <target>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ storekeeper seed --products 100000 --db ./data/bench.db')
    .action(
      action(async (flags: SeedFlags) => {
        const target = flags.db ?? defaultDatabase();
        const platform = await openPlatform(target);
        const bar = new cliProgress.SingleBar(
          { format: 'Seeding [{bar}] {percentage}% | {value}/{total} products | {eta_formatted} left', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(flags.products, 0);
        try {
          const result = await seedCatalog(platform, {
            products: flags.products,
            batchSize: flags.batch,
            seed: flags.seed,
            onProgress: (done) => bar.update(done),
          });
          bar.stop();
          const perSecond = Math.round(result.products / (result.ms / 1000));
          console.log(
            `Added ${result.products.toLocaleString('en-US')} products in ${result.categories.length} categories to ${describeTarget(target)} ` +
              `in ${(result.ms / 1000).toFixed(1)} s (${perSecond.toLocaleString('en-US')} products/s).`,
          );
        } finally {
          bar.stop();
          await platform.close();
        }
      }),
    );
}
