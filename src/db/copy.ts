import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type pg from 'pg';
import { ConflictError, ValidationError } from '../errors.js';
import type { Driver, Executor, Params, Row } from './driver.js';
import { foreignKeyOrder, ident, readTables, type Queryer, type TableInfo } from './introspect.js';
import { LATEST_VERSION } from './migrations.js';
import { migrate, schemaVersion } from './migrate.js';
import { isPostgresUrl, openDriver } from './open.js';
import { PostgresDriver, toPgPlaceholders } from './postgres.js';
import { SqliteDriver } from './sqlite.js';

export interface CopyProgress {
  table: string;
  /** Rows copied so far, all tables together. */
  copied: number;
  total: number;
}

export interface CopyOptions {
  /** Empty the target's tables first instead of refusing a non-empty target. */
  force?: boolean;
  /** Rows per INSERT statement and per transaction (default 1000). */
  batchSize?: number;
  /** Called once with copied = 0 before any row is written, then after every batch. */
  onProgress?: (progress: CopyProgress) => void;
}

export interface TableCopy {
  table: string;
  rows: number;
}

export interface CopyReport {
  schemaVersion: number;
  tables: TableCopy[];
  totalRows: number;
}

/**
 * Runtime state of one deployment, not shop data: the target keeps what its own migrations made.
 * (catalog_version has a different shape per dialect, and the target's triggers bump it as rows arrive;
 * the dashboard's summaries are likewise rebuilt by the target's triggers on orders.)
 */
const NOT_COPIED = new Set(['storekeeper_migrations', 'job_leases', 'catalog_version', 'sales_daily', 'customer_sales_monthly']);
/** Most bound parameters per statement: under SQLite's 32766 and PostgreSQL's 65535. */
const MAX_PARAMS = 30_000;

/** A consistent, read-only snapshot of the source: every table is read as of one moment. */
interface Snapshot extends Queryer {
  close(): Promise<void>;
}

async function sqliteSnapshot(file: string): Promise<Snapshot> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // A WAL read transaction keeps one snapshot from its first read until COMMIT.
  db.exec('BEGIN');
  return {
    dialect: 'sqlite',
    all: <T>(sql: string, params: Params = []) => Promise.resolve(db.prepare(sql).all(...params) as T[]),
    close: async () => {
      db.exec('COMMIT');
      db.close();
    },
  };
}

async function postgresSnapshot(driver: PostgresDriver): Promise<Snapshot> {
  const client: pg.PoolClient = await driver.pool.connect();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: Params = []) => (await client.query(toPgPlaceholders(sql), params as unknown[])).rows as T[],
    close: async () => {
      await client.query('COMMIT').catch(() => undefined);
      client.release();
    },
  };
}

/** Opens an existing Storekeeper database without creating one where a path was mistyped. */
async function openSource(from: string): Promise<Driver> {
  if (!isPostgresUrl(from)) {
    const file = from.startsWith('sqlite:') ? from.slice('sqlite:'.length).replace(/^\/\//, '') : from;
    if (file === ':memory:' || !existsSync(file)) throw new ValidationError(`Source database ${from} does not exist`, [{ path: 'from', message: 'does not exist' }]);
  }
  const driver = await openDriver(from);
  try {
    const known = await driver.all<{ n: number }>(
      driver.dialect === 'sqlite'
        ? "SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'storekeeper_migrations'"
        : "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'storekeeper_migrations'",
    );
    if (Number(known[0]?.n ?? 0) === 0) throw new ValidationError(`Source ${from} is not a Storekeeper database`, [{ path: 'from', message: 'no storekeeper_migrations table' }]);
    const version = await schemaVersion(driver);
    if (version > LATEST_VERSION) {
      throw new ValidationError(`Source schema version ${version} is newer than this Storekeeper (${LATEST_VERSION}); upgrade first`, [{ path: 'from', message: 'schema too new' }]);
    }
    // Bring the source to the same version the target gets, exactly as starting the server on it would.
    await migrate(driver);
    return driver;
  } catch (e) {
    await driver.close();
    throw e;
  }
}

async function openTarget(to: string): Promise<Driver> {
  const driver = await openDriver(to);
  try {
    if (driver instanceof PostgresDriver) await driver.ensureSchema();
    await migrate(driver);
    return driver;
  } catch (e) {
    await driver.close();
    throw e;
  }
}

async function countRows(db: Queryer, table: string): Promise<number> {
  const rows = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${ident(table)}`);
  return Number(rows[0]?.n ?? 0);
}

/** The tables to copy, parents first, with the columns both ends can take. */
interface Step {
  /** As the source has it (primary key for reading). */
  table: TableInfo;
  /** As the target has it (identity columns, sequences). */
  into: TableInfo;
  columns: string[];
}

function plan(source: Map<string, TableInfo>, target: Map<string, TableInfo>): Step[] {
  const out: Step[] = [];
  const missing: string[] = [];
  for (const t of foreignKeyOrder([...source.values()].filter((t) => !NOT_COPIED.has(t.name)))) {
    const there = target.get(t.name);
    if (!there) {
      missing.push(t.name);
      continue;
    }
    const targetColumns = new Map(there.columns.map((c) => [c.name, c]));
    const columns: string[] = [];
    for (const c of t.columns) {
      if (c.generated) continue;
      const tc = targetColumns.get(c.name);
      if (!tc) throw new ValidationError(`Column ${t.name}.${c.name} does not exist in the target`, [{ path: 'to', message: 'schema differs' }]);
      if (!tc.generated) columns.push(c.name);
    }
    out.push({ table: t, into: there, columns });
  }
  if (missing.length > 0) throw new ValidationError(`Tables missing in the target: ${missing.join(', ')}`, [{ path: 'to', message: 'schema differs' }]);
  return out;
}

async function emptyTarget(target: Driver, tables: TableInfo[]): Promise<void> {
  await target.transaction(async (tx) => {
    if (tx.dialect === 'postgres') {
      await tx.run(`TRUNCATE ${tables.map((t) => ident(t.name)).join(', ')} RESTART IDENTITY CASCADE`);
    } else {
      for (const t of [...tables].reverse()) await tx.run(`DELETE FROM ${ident(t.name)}`);
    }
  });
}

/** Reads `table` in primary-key order, `size` rows at a time (keyset pagination: no OFFSET rescans). */
async function* batches(src: Queryer, table: TableInfo, columns: string[], size: number): AsyncGenerator<Row[]> {
  const cols = columns.map(ident).join(', ');
  const pk = table.primaryKey;
  if (pk.length === 0 || !pk.every((k) => columns.includes(k))) {
    const rows = await src.all<Row>(`SELECT ${cols} FROM ${ident(table.name)}`);
    for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
    return;
  }
  const order = pk.map(ident).join(', ');
  const key = pk.length === 1 ? ident(pk[0]!) : `(${order})`;
  const after = pk.length === 1 ? '?' : `(${pk.map(() => '?').join(', ')})`;
  let last: unknown[] | undefined;
  for (;;) {
    const rows = last
      ? await src.all<Row>(`SELECT ${cols} FROM ${ident(table.name)} WHERE ${key} > ${after} ORDER BY ${order} LIMIT ?`, [...last, size])
      : await src.all<Row>(`SELECT ${cols} FROM ${ident(table.name)} ORDER BY ${order} LIMIT ?`, [size]);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    const tail = rows[rows.length - 1]!;
    last = pk.map((k) => tail[k]);
  }
}

async function insertRows(tx: Executor, into: TableInfo, columns: string[], rows: Row[]): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `INSERT INTO ${ident(into.name)} (${columns.map(ident).join(', ')})`;
  const overriding = tx.dialect === 'postgres' && into.columns.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    for (const row of chunk) for (const c of columns) params.push(row[c]);
    await tx.run(`${head}${overriding} VALUES ${chunk.map(() => tuple).join(', ')}`, params);
  }
}

/** Moves every identity/serial sequence past the copied ids, so the next insert gets a fresh one. */
async function resetSequences(target: Driver, tables: TableInfo[]): Promise<void> {
  if (target.dialect !== 'postgres') return; // SQLite's INTEGER PRIMARY KEY continues from max(rowid) by itself
  for (const t of tables) {
    for (const c of t.columns.filter((col) => col.sequenced)) {
      await target.all(`SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(${ident(c.name)}), 0) + 1, false) FROM ${ident(t.name)}`, [
        ident(t.name),
        c.name,
      ]);
    }
  }
}

/** Products whose stock differs from the sum of their ledger rows. */
export async function ledgerDrift(db: Queryer): Promise<Array<{ id: number; stock: number; ledger: number }>> {
  const rows = await db.all<{ id: number; stock: number; ledger: number }>(
    `SELECT p.id, p.stock, COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.product_id = p.id), 0) AS ledger
     FROM products p ORDER BY p.id`,
  );
  return rows.map((r) => ({ id: Number(r.id), stock: Number(r.stock), ledger: Number(r.ledger) })).filter((r) => r.stock !== r.ledger);
}

/**
 * Copies a whole Storekeeper database into another (SQLite → PostgreSQL, or any other pairing).
 * Reads one consistent snapshot of the source, migrates the target to the same schema version,
 * refuses a target holding data unless `force`, copies every table parents-first in batches
 * keeping ids, moves sequences past them, then verifies row counts and the stock ledger.
 */
export async function copyDatabase(from: string, to: string, options: CopyOptions = {}): Promise<CopyReport> {
  if (from === to) throw new ValidationError('Source and target are the same database', [{ path: 'to', message: 'same as from' }]);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new ValidationError('batchSize must be an integer from 1 to 100000', [{ path: 'batch', message: 'out of range' }]);
  }
  const sourceDriver = await openSource(from);
  let target: Driver | undefined;
  let snapshot: Snapshot | undefined;
  try {
    target = await openTarget(to);
    const version = await schemaVersion(target);
    snapshot = sourceDriver instanceof SqliteDriver ? await sqliteSnapshot(sourceDriver.filename) : await postgresSnapshot(sourceDriver as PostgresDriver);
    const steps = plan(await readTables(snapshot), await readTables(target));
    const tables = steps.map((s) => s.table);

    const occupied: string[] = [];
    for (const t of tables) if ((await countRows(target, t.name)) > 0) occupied.push(t.name);
    if (occupied.length > 0) {
      if (!options.force) throw new ConflictError(`Target ${to} is not empty (${occupied.join(', ')}); pass --force to replace its data`, { tables: occupied });
    }
    await emptyTarget(target, tables);

    const expected = new Map<string, number>();
    for (const t of tables) expected.set(t.name, await countRows(snapshot, t.name));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    let copied = 0;
    options.onProgress?.({ table: tables[0]?.name ?? '', copied, total });
    for (const { table, into, columns } of steps) {
      for await (const rows of batches(snapshot, table, columns, batchSize)) {
        await target.transaction((tx) => insertRows(tx, into, columns, rows));
        copied += rows.length;
        options.onProgress?.({ table: table.name, copied, total });
      }
    }
    await resetSequences(target, steps.map((s) => s.into));

    const report: TableCopy[] = [];
    const wrong: string[] = [];
    for (const t of tables) {
      const rows = await countRows(target, t.name);
      report.push({ table: t.name, rows });
      if (rows !== expected.get(t.name)) wrong.push(`${t.name}: ${expected.get(t.name)} in source, ${rows} in target`);
    }
    if (wrong.length > 0) throw new Error(`Row counts differ after copying: ${wrong.join('; ')}`);
    const drift = await ledgerDrift(target);
    if (drift.length > 0) {
      const sample = drift.slice(0, 5).map((d) => `product ${d.id}: stock ${d.stock}, ledger ${d.ledger}`);
      const inSource = (await ledgerDrift(snapshot)).length > 0 ? ' (the source already breaks it: fix the source first)' : '';
      throw new Error(`Stock-ledger invariant broken in the target for ${drift.length} product(s)${inSource}: ${sample.join('; ')}`);
    }
    return { schemaVersion: version, tables: report, totalRows: copied };
  } finally {
    await snapshot?.close();
    await target?.close();
    await sourceDriver.close();
  }
}
