import type { Driver } from './driver.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

const now = () => new Date().toISOString();

/**
 * Brings the schema up to `target` (default: latest). Safe with several processes starting at
 * once: each migration runs inside a write transaction that first re-reads the applied versions
 * (SQLite: BEGIN IMMEDIATE holds the file lock; PostgreSQL: a transaction-scoped advisory lock).
 */
export async function migrate(driver: Driver, target?: number, list: Migration[] = allMigrations): Promise<number> {
  await driver.transaction(async (tx) => {
    if (tx.dialect === 'postgres') {
      await tx.run('SET LOCAL lock_timeout = 0');
      await tx.run('SELECT pg_advisory_xact_lock(7468, 1)');
    }
    await tx.run(`CREATE TABLE IF NOT EXISTS storekeeper_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  });
  const goal = target ?? list[list.length - 1]!.version;
  for (const m of list) {
    if (m.version > goal) break;
    await driver.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        // Another process may be migrating, and DDL on a big table may take long: no timeouts here.
        await tx.run('SET LOCAL lock_timeout = 0');
        await tx.run('SET LOCAL statement_timeout = 0');
        await tx.run('SELECT pg_advisory_xact_lock(7468, 1)');
      }
      const done = await tx.get('SELECT version FROM storekeeper_migrations WHERE version = ?', [m.version]);
      if (done) return;
      for (const statement of m.up(tx.dialect)) await tx.run(statement);
      await tx.run('INSERT INTO storekeeper_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()]);
    });
  }
  return schemaVersion(driver);
}

export async function schemaVersion(driver: Driver): Promise<number> {
  const row = await driver.get<{ v: number | null }>('SELECT MAX(version) AS v FROM storekeeper_migrations');
  return row?.v ?? 0;
}
