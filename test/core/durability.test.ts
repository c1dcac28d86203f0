import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from '../../src/db/sqlite.js';
import { EcommercePlatform } from '../../src/index.js';

// SQLite-only: the fsync of the WAL is this driver's mechanism (PostgreSQL commits synchronously).
describe('SQLite durability: a durable call is answered only after an fsync of the WAL', () => {
  let dir: string;
  let platform: EcommercePlatform;
  let stats: SqliteDriver['stats'];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sk-durable-'));
    platform = await EcommercePlatform.open(join(dir, 'store.db'));
    expect(platform.db).toBeInstanceOf(SqliteDriver);
    stats = (platform.db as SqliteDriver).stats;
  });
  afterEach(async () => {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('orders wait for an fsync; cart edits do not', async () => {
    const customer = await platform.createCustomer({ email: 'd@example.com', name: 'D' });
    const product = await platform.addProduct({ name: 'Lamp', price: 10, stock: 5 });

    const beforeCart = stats.fsyncs;
    await platform.addToCart(customer, product, 1);
    expect(stats.fsyncs).toBe(beforeCart);

    const beforeOrder = stats.fsyncs;
    await platform.createOrder(customer);
    expect(stats.fsyncs).toBeGreaterThan(beforeOrder);
  });

  it('concurrent durable calls share fsyncs, and every acknowledged order is there after reopening', async () => {
    const product = await platform.addProduct({ name: 'Lamp', price: 10, stock: 100 });
    const customers = await Promise.all(Array.from({ length: 40 }, (_, i) => platform.createCustomer({ email: `c${i}@example.com`, name: `C${i}` })));
    await Promise.all(customers.map((c) => platform.addToCart(c, product, 1)));
    const before = stats.fsyncs;
    const orders = await Promise.all(customers.map((c) => platform.createOrder(c)));
    expect(stats.fsyncs - before).toBeGreaterThan(0);
    expect(stats.fsyncs - before).toBeLessThan(orders.length);

    await platform.close();
    platform = await EcommercePlatform.open(join(dir, 'store.db'));
    stats = (platform.db as SqliteDriver).stats;
    for (const id of orders) expect((await platform.getOrder(id))?.status).toBe('pending');
    expect((await platform.getProduct(product))?.stock).toBe(60);
  });
});
