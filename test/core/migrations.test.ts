import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { migrate, schemaVersion } from '../../src/db/migrate.js';
import { LATEST_VERSION, migrations } from '../../src/db/migrations.js';
import { openDriver } from '../../src/db/open.js';
import { PostgresDriver } from '../../src/db/postgres.js';
import { raceProcesses } from '../processes.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';

const T = '2024-03-01T10:00:00.000Z';

describe.each(backends)('migrations on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function freshUrl(): Promise<string> {
    const { url, cleanup } = await backend.create();
    cleanups.push(cleanup);
    return url;
  }

  it('opens a database made at version 1: upgrades it to the latest version with the data intact', async () => {
    const url = await freshUrl();
    const old = await openDriver(url);
    if (old instanceof PostgresDriver) await old.ensureSchema();
    expect(await migrate(old, 1)).toBe(1);
    // Data as version 1 wrote it, with its own SQL.
    await old.transaction(async (tx) => {
      await tx.run(`INSERT INTO customers (id, email, name, address, phone, created_at) VALUES (1, 'old@example.com', 'Old Timer', 'Here', NULL, ?)`, [T]);
      await tx.run(
        `INSERT INTO products (id, name, description, price_cents, stock, category, image_url, created_at, updated_at)
         VALUES (1, 'Lamp', 'Bright', 4999, 8, 'Home', NULL, ?, ?), (2, 'Rug', '', 12000, 3, 'Home', NULL, ?, ?)`,
        [T, T, T, T],
      );
      await tx.run(`INSERT INTO orders (id, customer_id, status, total_cents, idempotency_key, created_at, updated_at) VALUES (1, 1, 'shipped', 9998, 'k1', ?, ?)`, [T, T]);
      await tx.run(`INSERT INTO order_items (order_id, product_id, product_name, quantity, price_cents) VALUES (1, 1, 'Lamp', 2, 4999)`);
      await tx.run(
        `INSERT INTO inventory_movements (product_id, delta, reason, order_id, created_at)
         VALUES (1, 10, 'initial stock', NULL, ?), (1, -2, 'order', 1, ?), (2, 3, 'initial stock', NULL, ?)`,
        [T, T, T],
      );
      await tx.run(`INSERT INTO order_status_history (order_id, status, at) VALUES (1, 'pending', ?), (1, 'processing', ?), (1, 'shipped', ?)`, [T, T, T]);
      await tx.run(`INSERT INTO cart_items (customer_id, product_id, quantity, added_at) VALUES (1, 2, 1, ?)`, [T]);
      if (tx.dialect === 'postgres') {
        // Rows inserted with explicit ids: move the identity sequences past them, as a real v1 database would be.
        for (const t of ['customers', 'products', 'orders']) await tx.run(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), 10)`);
      }
    });
    await old.close();

    const platform = await EcommercePlatform.open(url);
    try {
      expect(await schemaVersion(platform.db)).toBe(LATEST_VERSION);
      expect(await platform.getCustomer(1)).toMatchObject({ email: 'old@example.com', name: 'Old Timer', address: 'Here', createdAt: T });
      expect(await platform.getProduct(1)).toMatchObject({ name: 'Lamp', price: 49.99, priceCents: 4999, stock: 8, category: 'Home' });
      // Rows that predate the search index are in it.
      expect((await platform.search({ q: 'lamp' })).items.map((p) => p.id)).toEqual([1]);
      const order = await platform.getOrder(1);
      expect(order).toMatchObject({
        customerName: 'Old Timer',
        status: 'shipped',
        totalAmount: 99.98,
        totalCents: 9998,
        // Columns added by later versions are filled in for old rows, not left at a misleading default.
        subtotalCents: 9998,
        discountCents: 0,
        items: [{ productId: 1, productName: 'Lamp', quantity: 2, price: 49.99, subtotal: 99.98 }],
      });
      expect(order!.statusHistory.map((h) => h.status)).toEqual(['pending', 'processing', 'shipped']);
      expect(await platform.getCart(1)).toEqual([expect.objectContaining({ productId: 2, quantity: 1 })]);
      // The upgraded database keeps working: the old order moves on, the old cart checks out.
      await platform.updateOrderStatus(1, 'delivered');
      const next = await platform.createOrder(1, { idempotencyKey: 'k2' });
      expect(next).toBeGreaterThan(1);
      expect(await platform.createOrder(1, { idempotencyKey: 'k1' })).toBe(1);
      expect((await platform.getProduct(2))!.stock).toBe(2);
      await assertLedgerInvariant(platform);
    } finally {
      await platform.close();
    }
  });

  it('opening an up-to-date database again changes nothing', async () => {
    const url = await freshUrl();
    const first = await EcommercePlatform.open(url);
    const id = await first.createCustomer({ email: 'twice@example.com', name: 'Twice' });
    const applied = await first.query('SELECT version, name, applied_at FROM storekeeper_migrations ORDER BY version');
    expect(applied.map((r) => Number(r.version))).toEqual(migrations.map((m) => m.version));
    await first.close();
    for (let i = 0; i < 2; i++) {
      const again = await EcommercePlatform.open(url);
      expect(await again.query('SELECT version, name, applied_at FROM storekeeper_migrations ORDER BY version')).toEqual(applied);
      expect(await again.getCustomer(id)).toMatchObject({ email: 'twice@example.com' });
      await again.close();
    }
  });

  it('eight platforms opening one fresh database at once in one process all succeed', async () => {
    const url = await freshUrl();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => EcommercePlatform.open(url)));
    const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(opened.map((p) => p.close()));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  });

  it('four processes opening one fresh database at once all succeed', async () => {
    const url = await freshUrl();
    const worker = fileURLToPath(new URL('./open-worker.ts', import.meta.url));
    const results = await raceProcesses<string>(worker, [[url], [url], [url], [url]]);
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
    const platform = await EcommercePlatform.open(url);
    try {
      expect(await schemaVersion(platform.db)).toBe(LATEST_VERSION);
      const rows = await platform.query('SELECT COUNT(*) AS n FROM storekeeper_migrations');
      expect(Number(rows[0]!.n)).toBe(migrations.length);
    } finally {
      await platform.close();
    }
  });
});
