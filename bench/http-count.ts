/**
 * SQL statements (and PostgreSQL round trips) per complete checkout over HTTP, counted by the
 * driver of an in-process server (buildServer, no background jobs) doing the benchmark's requests:
 * add product A, add product B, check out, as one signed-in shopper. On PostgreSQL it also counts
 * the round trips a checkout makes while it holds stock rows locked: from the statement with its
 * first stock UPDATE (the checkout's batch) to its COMMIT.
 */
import pg from 'pg';
import { buildServer } from '../src/http/server.js';
import { EcommercePlatform } from '../src/index.js';

const CHECKOUTS = 50;

export interface StatementCount {
  statements: number;
  roundTrips: number;
  lockedRoundTrips: number;
}

/** Watches every pg client's queries: counts those sent between a stock UPDATE and the transaction's end. */
function watchLockedRoundTrips(): { count: () => number; stop: () => void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const holding = new WeakSet<object>();
  let locked = 0;
  proto.query = function (this: object, ...args: unknown[]) {
    const q = args[0];
    const text = typeof q === 'string' ? q : ((q as { text?: string } | null)?.text ?? '');
    if (holding.has(this)) {
      locked++;
      if (/^(COMMIT|ROLLBACK)/.test(text)) holding.delete(this);
    } else if (/UPDATE product_variants SET stock = stock - /.test(text)) {
      holding.add(this);
      locked++;
    }
    return original.apply(this, args);
  };
  return { count: () => locked, stop: () => void (proto.query = original) };
}

export async function countStatements(dbUrl: string, products: number[]): Promise<StatementCount> {
  const platform = await EcommercePlatform.open(dbUrl);
  const app = await buildServer(platform, { logger: false, authRateLimitPerMin: 1_000_000, auth: { scryptCost: 1024 } });
  const watch = watchLockedRoundTrips();
  try {
    const reg = await app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `counter.${Date.now()}@bench.example`, name: 'Counter', password: 'correct horse battery' },
    });
    const token = (reg.json() as { token: string }).token;
    const post = async (url: string, payload: object, expect: number) => {
      const r = await app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
      if (r.statusCode !== expect) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    };
    const checkout = async (i: number) => {
      await post('/api/cart/items', { productId: products[i % products.length]! }, 200);
      await post('/api/cart/items', { productId: products[(i + 1) % products.length]! }, 200);
      await post('/api/orders', {}, 201);
    };
    for (let i = 0; i < 3; i++) await checkout(i); // warm: statements prepared, caches filled
    const before = { ...platform.db.stats };
    const lockedBefore = watch.count();
    for (let i = 0; i < CHECKOUTS; i++) await checkout(i);
    const after = platform.db.stats;
    return {
      statements: (after.statements - before.statements) / CHECKOUTS,
      roundTrips: (after.roundTrips - before.roundTrips) / CHECKOUTS,
      lockedRoundTrips: (watch.count() - lockedBefore) / CHECKOUTS,
    };
  } finally {
    watch.stop();
    await app.close();
    await platform.close();
  }
}
