import type { Executor } from '../db/driver.js';
import { LruCache } from './lru.js';

export interface CatalogCacheOptions {
  /** Most results kept (default 1000). */
  maxEntries?: number;
  /** Most memory the results may take, approximately (default 32 MiB). */
  maxBytes?: number;
}

/** The version every catalog-affecting commit bumps (triggers on products, migration 003). */
export async function catalogVersion(ex: Executor): Promise<number> {
  const row = await ex.get<{ v: number | string | null }>('SELECT SUM(version) AS v FROM catalog_version');
  return Number(row?.v ?? 0);
}

/**
 * Listing and search results, cached in process and keyed by the database's catalog version.
 *
 * Each read first reads the version (one tiny statement), so a result computed before a write
 * committed — in this process or any other on the same database — is never served after it:
 * the version moved, the old entries are dropped. The version is read before the result, so a
 * cached result is never older than the version it is filed under.
 */
export class CatalogCache {
  private readonly lru: LruCache<unknown>;
  private readonly loading = new Map<string, Promise<unknown>>();
  private version = -1;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Executor,
    options: CatalogCacheOptions = {},
  ) {
    this.lru = new LruCache(options.maxEntries ?? 1000, options.maxBytes ?? 32 * 1024 * 1024);
  }

  /**
   * Returns the cached value for `key` at the current catalog version, or loads it. The value is
   * deep-frozen because every caller shares it. A failed load is not cached.
   */
  async read<T>(key: string, load: (version: number) => Promise<T>): Promise<T> {
    const version = await catalogVersion(this.db);
    if (version !== this.version) {
      // Only move forward: a slow reader holding an older version must not wipe newer entries.
      if (version < this.version) return load(version);
      this.lru.clear();
      this.loading.clear();
      this.version = version;
    }
    return this.lookup(key, version, load);
  }

  /**
   * `read` for a part of a value being loaded by `read` (the facets of a search page, shared by its
   * sorts and pages), with the version that `read` passed to its load: it is not read again, and the
   * entry is kept only while that version is current.
   */
  readWithin<T>(key: string, version: number, load: () => Promise<T>): Promise<T> {
    return this.lookup(key, version, load);
  }

  private async lookup<T>(key: string, version: number, load: (version: number) => Promise<T>): Promise<T> {
    const hit = this.lru.get(key);
    if (hit !== undefined) {
      this.hits++;
      return hit as T;
    }
    this.misses++;
    // Concurrent misses of one key share one load.
    let pending = this.loading.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load(version).then((value) => deepFreeze(value));
      this.loading.set(key, pending);
      const settle = () => {
        if (this.loading.get(key) === pending) this.loading.delete(key);
      };
      pending.then(
        (value) => {
          settle();
          if (this.version === version) this.lru.set(key, value, approximateBytes(value));
        },
        settle,
      );
    }
    return pending;
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
    this.loading.clear();
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** UTF-16 JSON size: close enough to weigh entries against each other, computed once per load. */
function approximateBytes(value: unknown): number {
  return 2 * (JSON.stringify(value)?.length ?? 0);
}
