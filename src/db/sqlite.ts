import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { closeSync, fsync as nodeFsync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { BusyError, OutcomeUnknownError } from '../errors.js';
import { BackgroundCheckpointer } from './sqlite-checkpoint.js';
import { assertLooksReadOnly, readOnlyRefusal, type Driver, type Executor, type Params, type Row, type TransactionOptions } from './driver.js';

export type SqliteDurability = 'power-cut-safe' | 'crash-safe-only';

export interface SqliteOptions {
  /**
   * 'power-cut-safe' (default): an acknowledged commit has been fsynced (WAL; the fsync runs off the
   *   event loop, see flushWal) and survives power loss.
   * 'crash-safe-only': no fsync at all; survives a process crash but may lose the last commits on power loss.
   */
  durability?: SqliteDurability;
  /** How long a write waits in total for another process's write lock (ms; default 20 s), retrying off the event loop. */
  busyTimeoutMs?: number;
  /** Most calls that share one commit. */
  maxBatch?: number;
  /**
   * 'background' (default for files): WAL checkpoints run on a worker thread (sqlite-checkpoint.ts);
   * 'inline': SQLite's autocheckpoint, inside the COMMIT that crosses 1000 pages.
   */
  checkpoints?: 'background' | 'inline';
  /** For fault tests: replaces fs.fsync of the WAL (to slow it down or make it fail). */
  fsync?: (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;
}

/** Transaction control belongs to the driver: a body that ran one would end or corrupt the batch. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

interface Job {
  fn: (tx: Executor) => Promise<unknown>;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  ran: boolean;
  ok: boolean;
  value: unknown;
}

/** A better-sqlite3 connection with a statement cache. */
class Connection implements Executor {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Statement>();
  constructor(
    readonly db: SqliteDatabase,
    private readonly stats: { statements: number },
  ) {}

  /** Refuses BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE from transaction bodies (the driver's own use `control`). */
  guarded = false;

  statement(sql: string): Statement {
    this.stats.statements++;
    let stmt = this.cache.get(sql);
    if (!stmt) {
      if (this.guarded && TRANSACTION_CONTROL.test(sql)) throw new Error(`A transaction body may not run transaction control: ${sql.slice(0, 40)}`);
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
  private readonly controls = new Map<string, Statement>();
  control(sql: string): void {
    let stmt = this.controls.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.controls.set(sql, stmt);
    }
    stmt.run();
  }
  allSync<T>(sql: string, params: Params = []): T[] {
    return this.statement(sql).all(...params) as T[];
  }
  getSync<T>(sql: string, params: Params = []): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }
  runSync(sql: string, params: Params = []): { changes: number } {
    const stmt = this.statement(sql);
    // A statement with RETURNING must be stepped with all(); its rows are the changes.
    if (stmt.reader) return { changes: stmt.all(...params).length };
    return { changes: stmt.run(...params).changes };
  }
  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    try {
      return Promise.resolve(this.allSync<T>(sql, params));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    try {
      return Promise.resolve(this.getSync<T>(sql, params));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  run(sql: string, params?: Params): Promise<{ changes: number }> {
    try {
      return Promise.resolve(this.runSync(sql, params));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
}

/** SQLITE_IOERR and its extended codes, SQLITE_CORRUPT: the file's state is no longer known. */
function isIoError(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code ?? '';
  return code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CORRUPT');
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SQLite backend.
 *
 * Writes: one writer connection per process and a queue. Calls that arrive while a batch is being
 * executed or committed wait and then share the next transaction (group commit): BEGIN IMMEDIATE,
 * each call inside its own SAVEPOINT (a failing call rolls back only itself), one COMMIT, then every
 * caller gets its own result or error. BEGIN IMMEDIATE takes the file's write lock up front, so
 * several processes serialise on it (busy_timeout, then retry with backoff) and never deadlock.
 *
 * Reads outside a transaction use a second connection that sees only committed data (WAL),
 * so a read never observes a batch that might still roll back. `:memory:` has one connection.
 */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  private readonly writer: Connection;
  private readonly reader: Connection;
  private readonly analyst: SqliteDatabase | undefined;
  private queue: Job[] = [];
  /** Counters for monitoring group commit: calls per batch = calls / batches. */
  readonly stats = { batches: 0, calls: 0, durableBatches: 0, commitMs: 0, fsyncs: 0, checkpoints: 0, statements: 0, roundTrips: 0 };
  private readonly checkpointer: BackgroundCheckpointer | undefined;
  private draining = false;
  private closed = false;
  private readonly maxBatch: number;
  /** Power-cut-safe file database: durable batches wait for an fsync of the WAL (flushWal). */
  private readonly syncWal: boolean;
  private walFd: number | undefined;
  private readonly walPath: string | undefined;
  private syncing = false;
  private awaitingSync: Array<(syncError?: Error) => void> = [];
  private readonly fsync: NonNullable<SqliteOptions['fsync']>;
  private readonly busyTimeoutMs: number;
  /** Set by an fsync failure or an I/O error: every later write is refused with it (fail closed). */
  private failure: OutcomeUnknownError | undefined;

  constructor(
    readonly filename: string,
    options: SqliteOptions = {},
  ) {
    const memory = filename === ':memory:' || filename === '';
    if (!memory) mkdirSync(dirname(filename), { recursive: true });
    const busy = options.busyTimeoutMs ?? 5000;
    // In total across retries; the old per-attempt wait (5 s, up to 20 attempts) allowed far more,
    // and opening several processes at once on a loaded machine needs the slack.
    this.busyTimeoutMs = options.busyTimeoutMs ?? 20_000;
    this.maxBatch = options.maxBatch ?? 256;
    this.fsync = options.fsync ?? nodeFsync;
    const w = new Database(filename);
    // Opening (switching to WAL) waits in SQLite's busy handler, once; see the reset below.
    w.pragma(`busy_timeout = ${busy}`);
    if (!memory) w.pragma('journal_mode = WAL');
    this.syncWal = !memory && options.durability !== 'crash-safe-only';
    // NORMAL: COMMIT does not fsync; durability comes from flushWal() (power-cut-safe) or not at all (crash-safe-only).
    w.pragma(memory ? 'synchronous = FULL' : 'synchronous = NORMAL');
    w.pragma('foreign_keys = ON');
    // Savepoint sub-journals (one per call in a batch) stay in memory rather than temp files.
    w.pragma('temp_store = MEMORY');
    // From here on 0: a busy write lock is waited for in begin(), asynchronously, since SQLite's
    // own wait would block the event loop for up to busy_timeout per attempt.
    w.pragma('busy_timeout = 0');
    this.writer = new Connection(w, this.stats);
    this.writer.guarded = true;
    // The WAL sits next to the file SQLite actually opened (symlinks and relative paths resolved).
    this.walPath = memory ? undefined : `${(w.prepare("SELECT file FROM pragma_database_list WHERE name = 'main'").get() as { file: string }).file}-wal`;
    if (memory) {
      this.reader = this.writer;
      this.analyst = undefined;
    } else {
      const r = new Database(filename);
      r.pragma(`busy_timeout = ${busy}`);
      r.pragma('foreign_keys = ON');
      // Listings and searches read many pages: a 64 MiB page cache (default 2 MiB) made large
      // searches about 3x faster on a 100,000-product catalog.
      r.pragma('cache_size = -65536');
      this.reader = new Connection(r, this.stats);
      this.analyst = new Database(filename, { readonly: true, fileMustExist: true });
      this.analyst.pragma(`busy_timeout = ${busy}`);
    }
    if (!memory && (options.checkpoints ?? 'background') === 'background') {
      w.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new BackgroundCheckpointer(
        this.walPath!.slice(0, -'-wal'.length),
        () => {
          if (w.open) w.pragma('wal_autocheckpoint = 1000');
        },
        () => this.stats.checkpoints++,
      );
    }
  }

  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.reader.all<T>(sql, params);
  }
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return this.reader.get<T>(sql, params);
  }
  run(sql: string, params?: Params): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  /** Why writes are refused (an fsync or I/O failure), for /readyz; undefined while healthy. */
  healthError(): Error | undefined {
    return this.failure;
  }

  transaction<T>(fn: (tx: Executor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The database is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const durable = options.durable !== false;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, durable, resolve: resolve as (v: unknown) => void, reject, ran: false, ok: false, value: undefined });
      if (!this.draining) {
        this.draining = true;
        // setImmediate, not a microtask: lets every call issued in this turn of the event loop join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        if (this.failure) {
          for (const job of batch) job.reject(this.failure);
          continue;
        }
        await this.runBatch(batch);
        if (this.queue.length === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.draining = false;
    }
  }

  /** BEGIN IMMEDIATE, retried with backoff off the event loop while another process holds the lock. */
  private async begin(): Promise<void> {
    const deadline = performance.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        this.writer.control('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        if (!isBusy(e)) throw e;
        if (performance.now() >= deadline) throw new BusyError();
        await sleep(Math.min(100, 1 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** An I/O error (or a failed fsync) may have cost dirty pages: stop writing rather than go on. */
  private failClosed(cause: unknown): OutcomeUnknownError {
    this.failure ??= new OutcomeUnknownError(
      'The database had a storage error; writes are stopped until the server is restarted, and the outcome of the last writes is unknown',
      cause,
    );
    return this.failure;
  }

  /**
   * Makes everything committed so far durable, off the event loop: fsync of the WAL file on a
   * libuv thread. Commits run with synchronous=NORMAL (no fsync inside COMMIT), and callers of a
   * durable batch are answered only after an fsync that started after their COMMIT returned. The
   * WAL is append-only with chained checksums, so after a power cut the database is a prefix of
   * the commit sequence that contains every acknowledged durable call; checkpoints sync on their
   * own in this mode. Meanwhile the event loop keeps parsing requests and runs the next batch:
   * the fsync overlaps with work instead of blocking it, which is the point of doing it here.
   */
  private flushWal(): void {
    if (this.syncing || this.awaitingSync.length === 0) return;
    const waiting = this.awaitingSync;
    this.awaitingSync = [];
    this.syncing = true;
    this.stats.fsyncs++;
    const done = (err: Error | null) => {
      this.syncing = false;
      for (const settle of waiting) settle(err ? this.failClosed(err) : undefined);
      this.flushWal();
    };
    try {
      this.walFd ??= openSync(this.walPath!, 'r');
      this.fsync(this.walFd, done);
    } catch (e) {
      done(e as Error);
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const w = this.writer;
    const durable = batch.some((j) => j.durable);
    this.stats.batches++;
    this.stats.calls += batch.length;
    if (durable) this.stats.durableBatches++;
    try {
      await this.begin();
    } catch (e) {
      if (isIoError(e)) this.failClosed(e);
      for (const job of batch) job.reject(e);
      return;
    }
    let fatal: unknown;
    // True when the batch's fate is not known (an I/O error, or a rollback that failed).
    let unknown = false;
    try {
      for (const job of batch) {
        w.control('SAVEPOINT call');
        job.ran = true;
        try {
          job.value = await job.fn(w);
          job.ok = true;
        } catch (e) {
          job.value = e;
        }
        if (job.ok) {
          w.control('RELEASE call');
        } else if (!w.db.inTransaction) {
          // SQLite rolled the whole transaction back (e.g. disk full): nothing in this batch committed.
          fatal = job.value;
          break;
        } else {
          w.control('ROLLBACK TO call');
          w.control('RELEASE call');
        }
      }
      if (fatal === undefined) {
        const started = performance.now();
        try {
          w.control('COMMIT');
          this.stats.commitMs += performance.now() - started;
          this.checkpointer?.committed();
        } catch (e) {
          fatal = e;
          if (w.db.inTransaction) w.control('ROLLBACK');
        }
      }
    } catch (e) {
      // A statement outside a job's own savepoint failed (SAVEPOINT, RELEASE, ROLLBACK TO): end
      // the transaction whatever its state, so the write lock is never left held, and settle all.
      fatal = e;
      try {
        if (w.db.inTransaction) w.control('ROLLBACK');
      } catch {
        unknown = true;
      }
    }
    if (fatal !== undefined && isIoError(fatal)) {
      fatal = this.failClosed(fatal);
      unknown = true;
    }
    const settle = (syncError?: Error) => {
      for (const job of batch) {
        if (fatal !== undefined) job.reject(unknown ? fatal : job.ran && !job.ok ? job.value : fatal);
        else if (!job.ok) job.reject(job.value);
        else if (syncError) job.reject(syncError);
        else job.resolve(job.value);
      }
    };
    // A batch of non-durable calls (cart edits) only is answered at once; its frames become durable
    // with the next fsync. A power cut can lose such a call, never an order; a crash loses nothing.
    if (fatal === undefined && durable && this.syncWal) {
      this.awaitingSync.push(settle);
      this.flushWal();
    } else {
      settle();
    }
  }

  async readOnlyQuery(sql: string, params: Params = []): Promise<Row[]> {
    if (typeof sql !== 'string') throw readOnlyRefusal('sql must be a string');
    assertLooksReadOnly(sql);
    const db = this.analyst ?? this.writer.db;
    let stmt: Statement;
    try {
      stmt = db.prepare(sql); // prepare() refuses a string holding more than one statement
    } catch (e) {
      throw readOnlyRefusal((e as Error).message);
    }
    if (!stmt.readonly || !stmt.reader) throw readOnlyRefusal('the statement can write');
    try {
      return stmt.all(...params) as Row[];
    } catch (e) {
      throw readOnlyRefusal((e as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.queue.length > 0 || this.syncing || this.awaitingSync.length > 0) await sleep(1);
    if (this.checkpointer) {
      await this.checkpointer.close();
    }
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.analyst?.close();
    if (this.reader !== this.writer) this.reader.db.close();
    this.writer.db.close();
  }
}
