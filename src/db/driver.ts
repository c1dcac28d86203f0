/**
 * The dialect seam. A backend is one small interface: run a parameterised statement,
 * run a function inside one write transaction, run a user's read-only query, close.
 *
 * SQL in services is written once in the portable subset both SQLite and PostgreSQL accept
 * (`?` placeholders, RETURNING, ON CONFLICT … DO UPDATE). The driver translates placeholders and
 * caches prepared statements by their text, so a hot query is compiled once per connection.
 */
import { ValidationError } from '../errors.js';

export type Row = Record<string, unknown>;
export type Params = readonly unknown[];
export type DialectName = 'sqlite' | 'postgres';

export interface Executor {
  readonly dialect: DialectName;
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  run(sql: string, params?: Params): Promise<{ changes: number }>;
}

export interface TransactionOptions {
  /**
   * true (default): the call returns only once its commit is on stable storage (survives a power cut).
   * false: the commit survives a process crash but not necessarily a power cut until the next durable
   * commit; used for cart edits only, never for orders, stock, the ledger or accounts.
   */
  durable?: boolean;
}

/** Counters for benchmarks and monitoring; they only grow. */
export interface DriverStats {
  /** SQL statements the engine ran (transaction control not included). */
  statements: number;
  /** Messages waited for from the database server (PostgreSQL: statements plus BEGIN/COMMIT/ROLLBACK/SET; SQLite: 0, it is in-process). */
  roundTrips: number;
}

export interface Driver extends Executor {
  readonly stats: DriverStats;
  /** Runs `fn` in one write transaction; retried on transient conflicts, so `fn` must only touch the database. */
  transaction<T>(fn: (tx: Executor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs one statement that provably cannot write; throws ValidationError otherwise. */
  readOnlyQuery(sql: string, params?: Params): Promise<Row[]>;
  /** Set when the driver has stopped writing after a storage failure (SQLite fsync/I/O error); /readyz reports it. */
  healthError?(): Error | undefined;
  close(): Promise<void>;
}

/** First keyword check shared by both dialects; each driver adds an engine-level guarantee. */
export function assertLooksReadOnly(sql: string): void {
  const head = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '').slice(0, 16).toUpperCase();
  if (!/^(SELECT|WITH|VALUES)\b/.test(head)) {
    throw readOnlyRefusal('only SELECT, WITH or VALUES statements are allowed');
  }
}

export function readOnlyRefusal(reason: string): ValidationError {
  return new ValidationError(`query() refuses this statement: ${reason}`, [{ path: 'sql', message: reason }]);
}
