import type { Driver } from './driver.js';
import type { PostgresOptions } from './postgres.js';
import type { SqliteOptions } from './sqlite.js';

export const DEFAULT_DATABASE = './data/store.db';

export type OpenOptions = SqliteOptions & PostgresOptions;

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * `postgres://…` selects PostgreSQL; anything else is an SQLite file path (or `:memory:`, or `sqlite:path`).
 * Each driver (and its client library) is loaded only when used: an SQLite shop never loads `pg`.
 */
export async function openDriver(target: string = DEFAULT_DATABASE, options: OpenOptions = {}): Promise<Driver> {
  if (isPostgresUrl(target)) {
    const { PostgresDriver } = await import('./postgres.js');
    return new PostgresDriver(target, options);
  }
  const { SqliteDriver } = await import('./sqlite.js');
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
  return new SqliteDriver(file, options);
}
