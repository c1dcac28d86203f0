import { afterEach, beforeEach, expect } from 'vitest';
import type { EcommercePlatform, Row } from '../../src/index.js';
import { ident, readTables } from '../../src/db/introspect.js';
import { openFresh, type Backend } from '../backends.js';

/**
 * A fresh platform per test on the given backend; read `ctx.platform` inside tests.
 * A fresh PostgreSQL schema costs seconds on a busy machine, so cases that only refuse (and write
 * nothing, which they assert) share one test instead of each getting their own database.
 */
export function usePlatform(backend: Backend): { platform: EcommercePlatform; url: string } {
  const ctx = {} as { platform: EcommercePlatform; url: string };
  let dispose: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    const fresh = await openFresh(backend);
    ctx.platform = fresh.platform;
    ctx.url = fresh.url;
    dispose = fresh.dispose;
  });
  afterEach(async () => dispose());
  return ctx;
}

/**
 * Every row of every table of the schema (read from the catalog, so a table added later is in it
 * too), for "nothing was written" assertions. Rows in primary-key order, else in every column's.
 */
export async function snapshot(platform: EcommercePlatform): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const table of (await readTables(platform.db)).values()) {
    const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name)).map(ident).join(', ');
    out[table.name] = await platform.db.all(`SELECT * FROM ${ident(table.name)} ORDER BY ${order}`);
  }
  return out;
}

/** Asserts the promise rejects with an instance of `type` carrying `code`; returns the error. */
export async function expectError<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  code: string,
  label = '',
): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `${label}: expected a rejection`).toBeInstanceOf(type);
  expect((caught as { code?: string }).code, label).toBe(code);
  return caught as E;
}

/** Loosens the static types, as a plain JavaScript caller would. */
export const untyped = <T>(value: unknown): T => value as T;
