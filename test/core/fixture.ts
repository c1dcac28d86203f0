import { afterEach, beforeEach, expect } from 'vitest';
import type { EcommercePlatform, Row } from '../../src/index.js';
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

const TABLES = ['customers', 'products', 'product_variants', 'orders', 'order_items', 'cart_items', 'guest_carts', 'inventory_movements', 'order_status_history'];

/** Every row of every table, for "nothing was written" assertions. */
export async function snapshot(platform: EcommercePlatform): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of TABLES) {
    const order = 'id';
    out[t] = await platform.query(`SELECT * FROM ${t} ORDER BY ${order}`);
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
