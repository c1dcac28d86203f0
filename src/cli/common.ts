import { existsSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_DATABASE, isPostgresUrl } from '../db/open.js';
import { isStorekeeperError } from '../errors.js';
import { EcommercePlatform } from '../platform.js';

/** The database a command uses when --db is not given: DATABASE_URL, else ./data/store.db. */
export function defaultDatabase(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE;
}

export const DB_OPTION_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL or ./data/store.db)';

/** The target as it may be printed: a postgres URL without its password. */
export function describeTarget(target: string): string {
  if (!isPostgresUrl(target)) return target;
  const u = new URL(target);
  if (u.password) u.password = '***';
  return u.toString();
}

function integerParser(min: number, what: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be ${what}.`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be ${what}.`);
    return n;
  };
}

/** commander argument parsers: a clear error and exit code 1 for `--limit abc`. */
export const positiveInteger = integerParser(1, 'a positive integer');
export const nonNegativeInteger = integerParser(0, 'a non-negative integer');

/**
 * Opens the platform for a command. With `mustExist`, an SQLite path that does not exist is an
 * error instead of silently creating an empty database (a report on a typo'd path should say so).
 */
export async function openPlatform(target: string, options: { mustExist?: boolean } = {}): Promise<EcommercePlatform> {
  if (options.mustExist && !isPostgresUrl(target) && target !== ':memory:') {
    const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length).replace(/^\/\//, '') : target;
    if (!existsSync(file)) throw new CliError(`no database at ${file} (give --db PATH, or set DATABASE_URL)`);
  }
  return EcommercePlatform.open(target);
}

/** An error meant for the person at the terminal: printed as one line, no stack. */
export class CliError extends Error {}

/**
 * Wraps a command's action: expected errors (bad input, unknown ids, a missing database) print
 * one `error: …` line on stderr and exit with code 1 (STOREKEEPER_DEBUG=1 adds the stack of unexpected ones).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof CliError || isStorekeeperError(e)) {
        const code = isStorekeeperError(e) ? ` [${e.code}]` : '';
        process.stderr.write(`error: ${e.message}${code}\n`);
      } else {
        // Unexpected (a database that does not answer, a bug): the message, and the stack on request.
        const detail = e instanceof Error ? (process.env.STOREKEEPER_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
        process.stderr.write(`error: ${detail}\n`);
      }
      process.exitCode = 1;
    }
  };
}
