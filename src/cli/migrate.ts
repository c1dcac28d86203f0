import type { Command } from 'commander';
import { migrate, schemaVersion } from '../db/migrate.js';
import { LATEST_VERSION } from '../db/migrations.js';
import { openDriver } from '../db/open.js';
import { PostgresDriver } from '../db/postgres.js';
import { action, DB_OPTION_HELP, defaultDatabase, describeTarget } from './common.js';

/**
 * `storekeeper migrate`: applies the missing schema migrations and exits — the deploy step that
 * runs once before new server instances start (servers also migrate on start; this makes it explicit).
 */
export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply the missing schema migrations and exit (a deploy step; servers also migrate on start)')
    .option('--db <target>', DB_OPTION_HELP)
    .action(
      action(async (flags: { db?: string }) => {
        const target = flags.db ?? defaultDatabase();
        const driver = await openDriver(target);
        try {
          if (driver instanceof PostgresDriver) await driver.ensureSchema();
          const before = await schemaVersion(driver).catch(() => 0);
          const after = await migrate(driver);
          const what = after === before ? `already at schema version ${after}` : `migrated from schema version ${before} to ${after}`;
          process.stdout.write(`${describeTarget(target)}: ${what} (latest ${LATEST_VERSION})\n`);
        } finally {
          await driver.close();
        }
      }),
    );
}
