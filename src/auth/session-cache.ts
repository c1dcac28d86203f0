import pg from 'pg';
import { LruCache } from '../cache/lru.js';
import type { Driver } from '../db/driver.js';
import { sessionChannel } from '../db/migrations/015_session_notify.js';
import { PostgresDriver } from '../db/postgres.js';
import type { Role } from './service.js';

export interface CachedSession {
  customerId: number;
  role: Role;
  expiresAt: string;
  createdAt: string;
  /** Date.now() when read from the database. */
  readAt: number;
  /** The cache's sequence number when that read started. */
  seq: number;
}

const MAX_ENTRIES = 10_000;
const MAX_BACKOFF_MS = 5000;

/**
 * The sessions one process has read, by token hash, valid while a LISTEN connection is up: the
 * migration 015 triggers NOTIFY every change that can end or alter a session and the entry is
 * evicted then. While that connection is not listening nothing is served or stored, and when it
 * drops everything is forgotten: a revocation during an outage is never missed.
 */
export class SessionCache {
  private readonly entries = new LruCache<CachedSession>(MAX_ENTRIES);
  /** Customer id → `seq` of its last revocation: entries read before it are stale (the LRU cannot be searched by customer). */
  private readonly revoked = new Map<number, number>();
  /** Bumped by every eviction, so a read that was in flight during one is not stored. */
  private seq = 0;
  private client: pg.Client | undefined;
  private up = false;
  private started = false;
  private closed = false;
  private backoffMs = 100;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly db: PostgresDriver) {}

  /** True while the LISTEN connection is up: only then are sessions served and stored. */
  get listening(): boolean {
    return this.up;
  }

  /** The sequence number to pass to set() after a read; starts listening on first use. */
  begin(): number {
    if (!this.started) {
      this.started = true;
      void this.connect();
    }
    return this.seq;
  }

  get(tokenHash: string): CachedSession | undefined {
    if (!this.up) return undefined;
    const entry = this.entries.get(tokenHash);
    return entry && entry.seq >= (this.revoked.get(entry.customerId) ?? 0) ? entry : undefined;
  }

  /** Stores a read that started at `seq`, unless something was evicted since or nobody listens. */
  set(tokenHash: string, entry: CachedSession): void {
    if (this.up && entry.seq === this.seq) this.entries.set(tokenHash, entry);
  }

  evictToken(tokenHash: string): void {
    this.seq++;
    this.entries.delete(tokenHash);
  }

  evictCustomer(customerId: number): void {
    this.revoked.set(customerId, ++this.seq);
    if (this.revoked.size > MAX_ENTRIES) this.clear();
  }

  clear(): void {
    this.seq++;
    this.entries.clear();
    this.revoked.clear();
  }

  private onNotify(payload: string | undefined): void {
    if (payload?.startsWith('t:')) this.evictToken(payload.slice(2));
    else if (payload?.startsWith('c:')) this.evictCustomer(Number(payload.slice(2)));
    else this.clear();
  }

  /** A dedicated connection (a pooled one would be handed to other work): same server, same schema. */
  private async connect(): Promise<void> {
    this.retry = undefined;
    if (this.closed) return;
    const url = new URL(this.db.url);
    url.searchParams.delete('schema');
    const client = new pg.Client({
      connectionString: url.toString(),
      options: this.db.schema ? `-c search_path=${this.db.schema}` : undefined,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    this.client = client;
    client.on('notification', (n) => this.onNotify(n.payload));
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      const { rows } = await client.query<{ channel: string }>(`SELECT ${sessionChannel('current_schema()')} AS channel`);
      await client.query(`LISTEN "${rows[0]!.channel.replace(/"/g, '""')}"`);
      if (this.client !== client) return;
      // A read that began before LISTEN took effect may have missed a NOTIFY: not stored.
      this.seq++;
      this.up = true;
      this.backoffMs = 100;
    } catch {
      this.drop(client);
    }
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.up = false;
    this.clear();
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.retry = setTimeout(() => void this.connect(), this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.up = false;
    this.clear();
    await client?.end().catch(() => undefined);
  }
}

const caches = new WeakMap<Driver, SessionCache>();

/** The process's cache for this database (one per driver, shared by its AuthServices); none on SQLite, where the read is in-process. */
export function sessionCacheOf(db: Driver): SessionCache | undefined {
  if (!(db instanceof PostgresDriver)) return undefined;
  let cache = caches.get(db);
  if (!cache) {
    const created = new SessionCache(db);
    caches.set(db, created);
    db.onClose(() => created.close());
    cache = created;
  }
  return cache;
}

/** For the writers (logout, password reset, role change): evicts in this process at once, without waiting for the NOTIFY. */
export function evictSession(db: Driver, tokenHash: string): void {
  caches.get(db)?.evictToken(tokenHash);
}

export function evictCustomerSessions(db: Driver, customerId: number): void {
  caches.get(db)?.evictCustomer(customerId);
}
