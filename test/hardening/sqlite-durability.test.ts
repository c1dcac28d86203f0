import Database from 'better-sqlite3';
import { fsync as nodeFsync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver, type SqliteOptions } from '../../src/db/sqlite.js';
import { buildServer } from '../../src/http/server.js';
import { BusyError, EcommercePlatform, OutcomeUnknownError } from '../../src/index.js';
import { expectError } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// SQLite-only: the WAL fsync, its failure and the write lock between processes are this driver's mechanisms.
describe('SQLite durability edges', () => {
  let dir: string;
  let platform: EcommercePlatform | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sk-edges-'));
  });
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (options: SqliteOptions = {}, file = join(dir, 'store.db')) => {
    platform = await EcommercePlatform.open(file, options);
    return platform;
  };
  const shoppers = async (p: EcommercePlatform, product: number, n: number) => {
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => p.createCustomer({ email: `c${i}@example.com`, name: `C${i}` })));
    await Promise.all(ids.map((c) => p.addToCart(c, product, 1)));
    return ids;
  };

  it('no durable caller is answered before an fsync that started after its call completes (slow fsync)', async () => {
    let started = 0;
    let completed = 0;
    const p = await open({
      fsync: (fd, cb) => {
        started++;
        setTimeout(() => nodeFsync(fd, (err) => (completed++, cb(err))), 40);
      },
    });
    const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 100 });
    const customers = await shoppers(p, product, 30);
    const checks: Array<[number, number]> = [];
    await Promise.all(
      customers.map(async (c, i) => {
        if (i % 3 === 0) await sleep(i); // some calls land while an fsync is already running
        const startsWhenIssued = started;
        await p.createOrder(c);
        checks.push([startsWhenIssued, completed]);
      }),
    );
    expect(checks).toHaveLength(30);
    for (const [startsWhenIssued, completedWhenAnswered] of checks) expect(completedWhenAnswered).toBeGreaterThan(startsWhenIssued);
    // Cart edits (not durable) do not wait for one.
    const before = completed;
    const extra = await p.createCustomer({ email: 'x@example.com', name: 'X' });
    await sleep(60);
    const settled = completed;
    await p.addToCart(extra, product, 1);
    expect(completed).toBe(settled);
    expect(settled).toBeGreaterThan(before);
  });

  it('an fsync failure: its callers learn the outcome is unknown, writes stop, /readyz says so; reopening recovers', async () => {
    let fail = false;
    const p = await open({ fsync: (fd, cb) => (fail ? cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) : nodeFsync(fd, cb)) });
    const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 10 });
    const [a, b] = await shoppers(p, product, 2);
    const app = await buildServer(p, { logger: false });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    fail = true;
    const err = await expectError(p.createOrder(a!), OutcomeUnknownError, 'outcome_unknown', 'order during a failed fsync');
    expect(err.statusCode).toBe(503);
    // Visible, but not known to be durable: the caller must read it back, not retry blindly.
    expect(await p.getCustomerOrders(a!)).toHaveLength(1);
    fail = false;
    // Fail closed: no further write, even once fsync would work again.
    await expectError(p.createOrder(b!), OutcomeUnknownError, 'outcome_unknown', 'a later order');
    await expectError(p.updateStock(product, 1), OutcomeUnknownError, 'outcome_unknown', 'a later stock change');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable' });
    const refused = await app.inject({ method: 'PATCH', url: `/api/products/${product}`, payload: {} });
    expect(refused.statusCode).toBeLessThan(500); // refused before the database (auth)
    await app.close();
    expect((await p.getProduct(product))?.stock).toBe(9); // reads go on
    await p.close();
    const again = await open();
    expect((await again.getCustomerOrders(a!)).map((o) => o.status)).toEqual(['pending']);
    await again.createOrder(b!);
    await assertLedgerInvariant(again);
  });

  it('the WAL fsynced is the one SQLite writes, also when the database is opened through a symlink', async () => {
    mkdirSync(join(dir, 'real'));
    new Database(join(dir, 'real', 'store.db')).close();
    symlinkSync(join(dir, 'real', 'store.db'), join(dir, 'link.db'));
    const p = await open({}, join(dir, 'link.db'));
    const stats = (p.db as SqliteDriver).stats;
    const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 10 });
    const [c] = await shoppers(p, product, 1);
    const before = stats.fsyncs;
    const order = await p.createOrder(c!);
    expect(stats.fsyncs).toBeGreaterThan(before);
    expect(existsSync(join(dir, 'real', 'store.db-wal'))).toBe(true);
    expect(existsSync(join(dir, 'link.db-wal'))).toBe(false);
    expect((await p.getOrder(order))?.status).toBe('pending');
  });

  it('a body that runs transaction control is refused alone; the batch settles and the write lock is free', async () => {
    const p = await open();
    const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 10 });
    for (const sql of ['RELEASE call', 'COMMIT', 'ROLLBACK', 'ROLLBACK TO call', 'SAVEPOINT x', 'BEGIN', 'end']) {
      // All in one batch: the bad body between two good ones.
      const results = await Promise.allSettled([
        p.updateStock(product, 1),
        p.db.transaction(async (tx) => {
          await tx.run('UPDATE products SET name = ? WHERE id = ?', ['Bad', product]);
          await tx.run(sql);
        }),
        p.updateStock(product, 1),
      ]);
      expect(results.map((r) => r.status), sql).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason), sql).toMatch(/transaction control/);
    }
    expect((await p.getProduct(product))).toMatchObject({ name: 'Lamp', stock: 24 });
    // The write lock is free: another connection can write.
    const other = new Database(join(dir, 'store.db'));
    other.exec('BEGIN IMMEDIATE; COMMIT');
    other.close();
    await assertLedgerInvariant(p);
  });

  it('waiting for another process’s write lock does not block the event loop; past the budget it is a BusyError', async () => {
    const p = await open({ busyTimeoutMs: 1500 });
    const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 10 });
    const holder = new Database(join(dir, 'store.db'));
    holder.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    let largestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const t = performance.now();
      largestGap = Math.max(largestGap, t - last);
      last = t;
      ticks++;
    }, 5);
    try {
      const waiting = p.updateStock(product, 1);
      setTimeout(() => holder.exec('COMMIT'), 400);
      expect(await waiting).toBe(11);
      // The old driver slept inside SQLite's busy handler: no timer could run for the whole wait.
      expect(ticks).toBeGreaterThan(5);
      expect(largestGap).toBeLessThan(750);
      holder.exec('BEGIN IMMEDIATE');
      await expectError(p.updateStock(product, 1), BusyError, 'busy', 'lock held past the budget');
      holder.exec('COMMIT');
      expect(await p.updateStock(product, 1)).toBe(12);
    } finally {
      clearInterval(timer);
      holder.close();
    }
  });
});

describe('SQLite checkpoints off the event loop', () => {
  it('the writer never autocheckpoints inside COMMIT; a worker thread checkpoints the WAL and the data stays whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-ckpt-'));
    try {
      const driver = new SqliteDriver(join(dir, 'store.db'));
      const writer = (driver as unknown as { writer: { db: Database.Database } }).writer.db;
      expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      await driver.transaction((tx) => tx.run('CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)'));
      const pad = 'x'.repeat(4000);
      for (let round = 0; round < 20; round++) {
        await Promise.all(Array.from({ length: 50 }, () => driver.transaction((tx) => tx.run('INSERT INTO t (pad) VALUES (?)', [pad]))));
      }
      for (let i = 0; i < 200 && driver.stats.checkpoints === 0; i++) await sleep(25);
      expect(driver.stats.checkpoints).toBeGreaterThan(0);
      expect((await driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))!.n).toBe(1000);
      await driver.close();
      const again = new Database(join(dir, 'store.db'));
      expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((again.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(1000);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
