import pg from 'pg';
import { envWhole } from '../env.js';
import { BusyError } from '../errors.js';
import {
  assertLooksReadOnly,
  readOnlyRefusal,
  type Driver,
  type DriverStats,
  type Executor,
  type Params,
  type Row,
  type TransactionOptions,
} from './driver.js';

// int8 and numeric come back as strings by default; our values (ids, cents, counts) fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface PostgresOptions {
  /** Pool size per process (default PGPOOL_MAX or 10). */
  poolMax?: number;
  /** Schema to use (created if missing); tests use one schema each. */
  schema?: string;
  /** Longest wait for a pooled connection before a BusyError (default PG_CONNECT_TIMEOUT_MS or 10 s). */
  connectTimeoutMs?: number;
  /** Longest wait for a row or table lock before a BusyError (default PG_LOCK_TIMEOUT_MS or 5 s; 0 = none). */
  lockTimeoutMs?: number;
  /** Longest run of one statement before a BusyError (default PG_STATEMENT_TIMEOUT_MS or 60 s; 0 = none). */
  statementTimeoutMs?: number;
  /**
   * For fault tests: runs inside every write transaction just before COMMIT, on its connection,
   * with the attempt number (0 first); an error it raises is handled like the body's own.
   */
  beforeCommit?: (tx: Executor, attempt: number) => Promise<void>;
}

const placeholderCache = new Map<string, string>();
/** `?` → `$1…$n`. Our SQL never holds a literal question mark; user SQL (query()) is not translated. */
export function toPgPlaceholders(sql: string): string {
  let out = placeholderCache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (placeholderCache.size < 5000) placeholderCache.set(sql, out);
  }
  return out;
}

const statementNames = new Map<string, string>();
/** Prepared-statement name per SQL text; past a bound (unusual dynamic SQL) statements go unnamed. */
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < 2000) {
    name = `sk_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

type Queryable = pg.Pool | pg.PoolClient;

class PgExecutor implements Executor {
  readonly dialect = 'postgres' as const;
  constructor(
    private readonly target: Queryable,
    private readonly stats: DriverStats,
  ) {}
  private async q(sql: string, params: Params = []): Promise<pg.QueryResult> {
    const text = toPgPlaceholders(sql);
    this.stats.statements++;
    this.stats.roundTrips++;
    // Named statements are prepared once per connection and reused.
    const name = statementName(text);
    return this.target.query(name ? { name, text, values: params as unknown[] } : { text, values: params as unknown[] });
  }
  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return (await this.q(sql, params)).rows as T[];
  }
  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.q(sql, params)).rows[0] as T | undefined;
  }
  async run(sql: string, params?: Params): Promise<{ changes: number }> {
    return { changes: (await this.q(sql, params)).rowCount ?? 0 };
  }
}

/** SQLSTATEs worth retrying the whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

/** A timeout (lock, statement, pool) as the engine's 503 `busy`; anything else unchanged. */
function asBusy(e: unknown): unknown {
  const code = (e as { code?: string } | null)?.code;
  if (code === '55P03') return new BusyError('A lock was held for longer than the lock timeout; try again');
  if (code === '57014') return new BusyError('A statement ran for longer than the statement timeout; try again');
  if (e instanceof Error && /timeout exceeded when trying to connect/i.test(e.message)) return new BusyError('No database connection became free in time; try again');
  return e;
}

/**
 * PostgreSQL backend: a pg pool, READ COMMITTED transactions. Stock is taken by conditional
 * UPDATE … WHERE stock >= ? so no read-modify-write race exists; rows are touched in id order to
 * avoid deadlocks, and serialization failures or deadlocks still retry the whole transaction.
 */
export class PostgresDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly stats: DriverStats & { transactions: number; retries: number } = { statements: 0, roundTrips: 0, transactions: 0, retries: 0 };
  private readonly exec: PgExecutor;
  private readonly beforeCommit: PostgresOptions['beforeCommit'];

  constructor(
    readonly url: string,
    options: PostgresOptions = {},
  ) {
    // `?schema=name` in the URL (or options.schema) puts every table in that schema.
    const parsed = new URL(url);
    const schema = options.schema ?? parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
    this.schema = schema;
    const lockMs = options.lockTimeoutMs ?? envWhole('PG_LOCK_TIMEOUT_MS', 5000);
    const statementMs = options.statementTimeoutMs ?? envWhole('PG_STATEMENT_TIMEOUT_MS', 60_000);
    // Session settings sent at connect: no round trip per transaction.
    const settings = [...(schema ? [`-c search_path=${schema}`] : []), `-c lock_timeout=${lockMs}`, `-c statement_timeout=${statementMs}`];
    this.pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: options.poolMax ?? Number(process.env.PGPOOL_MAX ?? 10),
      connectionTimeoutMillis: options.connectTimeoutMs ?? envWhole('PG_CONNECT_TIMEOUT_MS', 10_000),
      options: settings.join(' '),
      // A client is one transaction's at a time; pipelining only sends what it queues without waiting.
      pipeline: true,
    });
    this.pool.on('error', () => {
      /* an idle client died; the pool replaces it */
    });
    this.exec = new PgExecutor(this.pool, this.stats);
    this.beforeCommit = options.beforeCommit;
  }

  private inFlight = 0;
  private closed = false;
  private readonly closeHooks: (() => Promise<void>)[] = [];

  /** Runs `hook` on close(), before the pool ends: for a helper's own connection (the session cache's LISTEN). */
  onClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  /** Counts a call until it settles, so close() can let it finish: pool.end() would strand it forever. */
  private async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('The database is closed');
    this.inFlight++;
    try {
      return await work();
    } catch (e) {
      throw asBusy(e);
    } finally {
      this.inFlight--;
    }
  }

  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.track(() => this.exec.all<T>(sql, params));
  }
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return this.track(() => this.exec.get<T>(sql, params));
  }
  run(sql: string, params?: Params): Promise<{ changes: number }> {
    return this.track(() => this.exec.run(sql, params));
  }

  transaction<T>(fn: (tx: Executor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.track(() => this.runTransaction(fn, options));
  }

  /** Transaction control, counted as a round trip unless it rides with the statement after it. */
  private control(client: pg.PoolClient, sql: string, pipelined = false): Promise<unknown> {
    if (!pipelined) this.stats.roundTrips++;
    return client.query(sql);
  }

  private async runTransaction<T>(fn: (tx: Executor) => Promise<T>, options: TransactionOptions): Promise<T> {
    this.stats.transactions++;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const client = await this.pool.connect();
      let broken = false;
      try {
        // The Postgres twin of SQLite's NORMAL commit for non-durable calls (cart edits), sent
        // with BEGIN in one simple-protocol message. The connection pipelines: BEGIN goes out with
        // the body's first statement instead of a round trip ahead of it. BEGIN cannot fail on a
        // live connection, and on a dead one every statement after it fails too.
        const begin = this.control(client, options.durable === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN', true);
        begin.catch(() => undefined);
        const tx = new PgExecutor(client, this.stats);
        const result = await fn(tx);
        await begin;
        await this.beforeCommit?.(tx, attempt);
        await this.control(client, 'COMMIT');
        return result;
      } catch (e) {
        try {
          await this.control(client, 'ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (e as { code?: string }).code;
        if (code && RETRYABLE.has(code)) {
          if (attempt >= 30) throw new BusyError('Too many transaction conflicts; try again');
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * 2 ** attempt)));
          continue;
        }
        throw e;
      } finally {
        client.release(broken);
      }
    }
  }

  readOnlyQuery(sql: string, params: Params = []): Promise<Row[]> {
    return this.track(() => this.runReadOnly(sql, params));
  }

  private async runReadOnly(sql: string, params: Params): Promise<Row[]> {
    if (typeof sql !== 'string') throw readOnlyRefusal('sql must be a string');
    assertLooksReadOnly(sql);
    const client = await this.pool.connect();
    try {
      // The engine enforces it: a READ ONLY transaction refuses every write, and the extended
      // protocol refuses more than one statement. It must be forced: without parameters pg uses the
      // simple protocol, where `SELECT 1; COMMIT; DELETE …` would end the read-only transaction.
      await client.query('BEGIN READ ONLY');
      await client.query("SET LOCAL statement_timeout = '30s'");
      const res = await client.query({ text: sql, values: params as unknown[], queryMode: 'extended' } as pg.QueryConfig);
      return res.rows as Row[];
    } catch (e) {
      throw readOnlyRefusal((e as Error).message);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      // Session advisory locks survive ROLLBACK; one left on a pooled connection would block others.
      const clean = await client.query('SELECT pg_advisory_unlock_all()').then(
        () => true,
        () => false,
      );
      client.release(!clean);
    }
  }

  /** Creates the configured schema if it is missing (called before migrations). */
  async ensureSchema(): Promise<void> {
    if (!this.schema) return;
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    } catch (e) {
      // IF NOT EXISTS is not atomic: when two processes create it at once, the loser gets a unique violation.
      if ((e as { code?: string }).code !== '23505') throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 2));
    for (const hook of this.closeHooks.splice(0)) await hook().catch(() => undefined);
    await this.pool.end();
  }
}
