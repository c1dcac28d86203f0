import type { Driver } from './driver.js';
import { PostgresDriver, type PostgresOptions } from './postgres.js';
import { SqliteDriver, type SqliteOptions } from './sqlite.js';

export const DEFAULT_DATABASE = './data/store.db';

export type OpenOptions = SqliteOptions & PostgresOptions;

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `postgres://…` selects PostgreSQL; anything else is an SQLite file path (or `:memory:`, or `sqlite:path`). */
export function openDriver(target: string = DEFAULT_DATABASE, options: OpenOptions = {}): Driver {
  if (isPostgresUrl(target)) return new PostgresDriver(target, options);
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
  return new SqliteDriver(file, options);
}
