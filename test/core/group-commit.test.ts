import { describe, expect, it } from 'vitest';
import { ConflictError, EcommercePlatform, EmptyCartError, InsufficientStockError, NotFoundError } from '../../src/index.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { usePlatform } from './fixture.js';

/**
 * On SQLite, calls issued together share one transaction, each in its own savepoint. These tests
 * issue many at once, some failing, and check every caller's own outcome and that a failure undid
 * only its own writes. They hold on PostgreSQL too, where each call is its own transaction.
 */
describe.each(backends)('group commit on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('raw transactions: each caller gets its own value or error; failures leave no rows', async () => {
    const db = ctx.platform.db;
    const email = (i: number) => `gc${i}@example.com`;
    const calls = Array.from({ length: 60 }, (_, i) =>
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)', [email(i), `GC ${i}`, '2024-01-01T00:00:00.000Z']);
        if (i % 3 === 0) throw new Error(`call ${i} failed`);
        await tx.run('UPDATE customers SET phone = ? WHERE email = ?', [String(i), email(i)]);
        // A constraint error after two writes: both must be undone.
        if (i % 5 === 1) await tx.run('INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)', [email(i), 'dup', 'x']);
        return i;
      }),
    );
    const results = await Promise.allSettled(calls);
    const kept: string[] = [];
    results.forEach((r, i) => {
      if (i % 3 === 0) {
        expect(r.status).toBe('rejected');
        expect(((r as PromiseRejectedResult).reason as Error).message).toBe(`call ${i} failed`);
      } else if (i % 5 === 1) {
        expect(r.status).toBe('rejected');
        expect(String(((r as PromiseRejectedResult).reason as { code?: string }).code)).toMatch(/^(23505|SQLITE_CONSTRAINT_UNIQUE)$/);
      } else {
        expect(r).toEqual({ status: 'fulfilled', value: i });
        kept.push(email(i));
      }
    });
    const rows = await ctx.platform.query('SELECT email, phone FROM customers ORDER BY id');
    // Ids follow commit order on PostgreSQL, not call order: compare the sets.
    expect(rows.map((r) => String(r.email)).sort()).toEqual(kept.sort());
    for (const r of rows) expect(r.phone).toBe(String(r.email).match(/\d+/)![0]);
  });

  it('a constraint error in one call rolls back that call only', async () => {
    const db = ctx.platform.db;
    const insert = (email: string, then?: string) =>
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)', [email, 'N', 'x']);
        if (then) await tx.run('INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)', [then, 'N', 'x']);
        return email;
      });
    const results = await Promise.allSettled([
      insert('a@example.com'),
      insert('b@example.com', 'a@example.com'), // b written, then a duplicate: b must vanish too
      insert('c@example.com'),
      insert('d@example.com', 'd@example.com'),
      insert('e@example.com'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const emails = (await ctx.platform.query('SELECT email FROM customers ORDER BY email')).map((r) => r.email);
    expect(emails).toEqual(['a@example.com', 'c@example.com', 'e@example.com']);
  });

  it('mixed engine calls: successes stay, failures undo only themselves, every error is the caller’s own', async () => {
    const p = ctx.platform;
    const plenty = await p.addProduct({ name: 'Plenty', price: 1.25, stock: 1000 });
    const scarce = await p.addProduct({ name: 'Scarce', price: 9.99, stock: 100 });
    const customers: number[] = [];
    for (let i = 0; i < 40; i++) customers.push(await p.createCustomer({ email: `m${i}@example.com`, name: `M ${i}` }));
    // Even customers: Plenty only. Odd customers: Plenty then Scarce, which will be short.
    for (const [i, c] of customers.entries()) {
      await p.addToCart(c, plenty, 2);
      if (i % 2 === 1) await p.addToCart(c, scarce, 5);
    }
    await p.updateStock(scarce, -96, 'shrinkage'); // 4 left: every odd checkout fails on its second line

    const emptyCart = await p.createCustomer({ email: 'empty@example.com', name: 'Empty' });
    type Expect = { kind: 'ok' } | { kind: 'error'; type: new (...a: never[]) => Error };
    const calls: { promise: Promise<unknown>; expect: Expect }[] = [];
    for (const [i, c] of customers.entries()) {
      calls.push({ promise: p.createOrder(c), expect: i % 2 === 0 ? { kind: 'ok' } : { kind: 'error', type: InsufficientStockError } });
      if (i % 4 === 0) calls.push({ promise: p.addToCart(c, 999_999), expect: { kind: 'error', type: NotFoundError } });
      if (i % 4 === 1) calls.push({ promise: p.updateStock(scarce, -50), expect: { kind: 'error', type: InsufficientStockError } });
      if (i % 4 === 2) calls.push({ promise: p.createCustomer({ email: `m${i}@example.com`, name: 'Dup' }), expect: { kind: 'error', type: ConflictError } });
      if (i % 4 === 3) calls.push({ promise: p.updateStock(plenty, 1, 'found one'), expect: { kind: 'ok' } });
    }
    calls.push({ promise: p.createOrder(emptyCart), expect: { kind: 'error', type: EmptyCartError } });

    const results = await Promise.allSettled(calls.map((c) => c.promise));
    results.forEach((r, i) => {
      const e = calls[i]!.expect;
      if (e.kind === 'ok') expect(r.status, `call ${i}`).toBe('fulfilled');
      else {
        expect(r.status, `call ${i}`).toBe('rejected');
        expect((r as PromiseRejectedResult).reason, `call ${i}`).toBeInstanceOf(e.type);
      }
    });
    // 20 even checkouts took 2 Plenty each; the 10 "found one" adjustments added 10; odd checkouts took nothing.
    expect((await p.getProduct(plenty))!.stock).toBe(1000 - 40 + 10);
    expect((await p.getProduct(scarce))!.stock).toBe(4);
    for (const [i, c] of customers.entries()) {
      expect((await p.getCustomerOrders(c)).length, `customer ${i}`).toBe(i % 2 === 0 ? 1 : 0);
      expect((await p.getCart(c)).length, `cart ${i}`).toBe(i % 2 === 0 ? 0 : 2);
    }
    expect(Number((await p.query('SELECT COUNT(*) AS n FROM customers'))[0]!.n)).toBe(41);
    await assertLedgerInvariant(p);
  });

  it('close() with calls in flight: every call settles, and what it acknowledged is there after reopening', async () => {
    const second = await EcommercePlatform.open(ctx.url);
    const calls = Array.from({ length: 30 }, (_, i) => second.createCustomer({ email: `late${i}@example.com`, name: `Late ${i}` }));
    const closing = second.close();
    const results = await Promise.allSettled(calls);
    await closing;
    const acknowledged = results.filter((r) => r.status === 'fulfilled').length;
    expect(acknowledged).toBe(30);
    expect(Number((await ctx.platform.query('SELECT COUNT(*) AS n FROM customers'))[0]!.n)).toBe(acknowledged);
    await expect(second.createCustomer({ email: 'after@example.com', name: 'After' })).rejects.toThrow(/closed/);
    await second.close(); // closing twice is harmless
  });

  it('what was acknowledged is there after reopening', async () => {
    const p = ctx.platform;
    const product = await p.addProduct({ name: 'Durable', price: 3, stock: 50 });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => p.createCustomer({ email: `d${i}@example.com`, name: `D ${i}` })));
    await Promise.all(ids.map((c) => p.addToCart(c, product, 1)));
    const orders = await Promise.all(ids.map((c) => p.createOrder(c)));
    const reopened = await EcommercePlatform.open(ctx.url);
    try {
      for (const o of orders) expect((await reopened.getOrder(o))?.status).toBe('pending');
      expect((await reopened.getProduct(product))!.stock).toBe(30);
    } finally {
      await reopened.close();
    }
  });
});
