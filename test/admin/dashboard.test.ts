import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { openDriver } from '../../src/db/open.js';
import { PostgresDriver } from '../../src/db/postgres.js';
import { EcommercePlatform } from '../../src/index.js';
import { DashboardReport } from '../../src/reports/dashboard.js';
import { backends } from '../backends.js';
import { usePlatform } from '../core/fixture.js';
import { raceProcesses } from '../processes.js';

type Num = number | string | null;
const n = (x: Num) => Number(x ?? 0);

/** The rollup (migration 013) next to the same figures grouped from the orders themselves. */
async function compare(platform: EcommercePlatform): Promise<void> {
  const fromOrders = await platform.db.all<{ day: string; status: string; payment_status: string; n: Num; cents: Num; refunded: Num }>(
    `SELECT substr(created_at, 1, 10) AS day, status, payment_status, COUNT(*) AS n, SUM(total_cents) AS cents, SUM(refunded_cents) AS refunded
     FROM orders GROUP BY substr(created_at, 1, 10), status, payment_status`,
  );
  const fromRollup = await platform.db.all<{ day: string; status: string; payment_status: string; n: Num; cents: Num; refunded: Num }>(
    `SELECT day, status, payment_status, SUM(orders) AS n, SUM(total_cents) AS cents, SUM(refunded_cents) AS refunded
     FROM sales_daily GROUP BY day, status, payment_status`,
  );
  const key = (r: { day: string; status: string; payment_status: string }) => `${r.day} ${r.status} ${r.payment_status}`;
  const shape = (rows: typeof fromOrders) =>
    Object.fromEntries(rows.filter((r) => n(r.n) !== 0 || n(r.cents) !== 0 || n(r.refunded) !== 0).map((r) => [key(r), [n(r.n), n(r.cents), n(r.refunded)]]));
  expect(shape(fromRollup)).toEqual(shape(fromOrders));
  const customers = (rows: { month: string; customer_id: number; n: Num; cents: Num }[]) =>
    Object.fromEntries(rows.filter((r) => n(r.n) !== 0 || n(r.cents) !== 0).map((r) => [`${r.month} ${r.customer_id}`, [n(r.n), n(r.cents)]]));
  expect(customers(await platform.db.all('SELECT month, customer_id, orders AS n, total_cents AS cents FROM customer_sales_monthly'))).toEqual(
    customers(
      await platform.db.all(
        `SELECT substr(created_at, 1, 7) AS month, customer_id, COUNT(*) AS n, SUM(total_cents) AS cents FROM orders
         WHERE status <> 'cancelled' GROUP BY substr(created_at, 1, 7), customer_id`,
      ),
    ),
  );
}

describe.each(backends)('dashboard summaries on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('the rollup equals the figures computed from the orders after a mixed workload, and the dashboard reads it', async () => {
    const p = ctx.platform;
    const shirt = await p.addProduct({
      name: 'Shirt',
      price: 20,
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'SH-S', options: { Size: 'S' }, stock: 100 },
        { sku: 'SH-M', options: { Size: 'M' }, price: 25, stock: 4 },
      ],
    });
    const mug = await p.addProduct({ name: 'Mug', price: 7.5, stock: 500 });
    const variants = (await p.getProduct(shirt))!.variants;
    const people = await Promise.all(['Ann', 'Ben', 'Cai', 'Dee'].map((name) => p.createCustomer({ email: `${name.toLowerCase()}@example.com`, name })));
    const orderFor = async (customer: number, lines: [number, number, number?][]) => {
      for (const [product, qty, variantId] of lines) await p.addToCart(customer, product, qty, variantId ? { variantId } : undefined);
      return p.createOrder(customer);
    };
    // Concurrent checkouts of different customers: the summary rows are shared.
    const first = await Promise.all(people.map((c, i) => orderFor(c, [[mug, i + 1]])));
    const a = await orderFor(people[0]!, [[shirt, 2, variants[0]!.id]]);
    const b = await orderFor(people[1]!, [[shirt, 1, variants[1]!.id], [mug, 3]]);
    const c = await orderFor(people[2]!, [[mug, 10]]);
    await compare(p);
    for (const o of [a, b, c, first[0]!]) await p.payOrder(o, { card: '4242424242424242' });
    await compare(p);
    for (const s of ['processing', 'shipped', 'delivered'] as const) await p.updateOrderStatus(a, s);
    await p.updateOrderStatus(b, 'processing');
    await p.cancelOrder(first[1]!);
    await p.refundOrder(c, { amount: 1250, reason: 'one broke' });
    await p.refundOrder(first[0]!, { reason: 'changed their mind' });
    await compare(p);
    // An order of another day and month (as an import or a migration would write it).
    await p.db.run('UPDATE orders SET created_at = ? WHERE id = ?', ['2024-02-10T09:00:00.000Z', first[2]]);
    await p.db.run('UPDATE orders SET created_at = ? WHERE id = ?', [new Date(Date.now() - 2 * 86_400_000).toISOString(), first[3]]);
    await compare(p);

    const built = await new DashboardReport(p.db, 0, { paymentTimeoutSeconds: 600 }).build({ days: 7 });
    const today = new Date().toISOString().slice(0, 10);
    const sales = await p.db.get<{ n: Num; cents: Num; refunded: Num }>(
      `SELECT COUNT(*) AS n, SUM(total_cents) AS cents, SUM(refunded_cents) AS refunded FROM orders WHERE created_at >= ? AND status <> 'cancelled'`,
      [`${today}T00:00:00.000Z`],
    );
    expect(built.today).toEqual({
      orders: n(sales!.n),
      revenueCents: n(sales!.cents),
      averageOrderCents: Math.floor(n(sales!.cents) / n(sales!.n)),
      refundedCents: n(sales!.refunded),
    });
    expect(built.today.refundedCents).toBe(1250 + 750);
    expect(built.perDay).toHaveLength(7);
    expect(built.perDay.at(-1)).toEqual({ date: today, orders: built.today.orders, revenueCents: built.today.revenueCents });
    expect(built.perDay.at(-3)!.orders).toBe(1);
    expect(built.byStatus).toEqual([
      { status: 'cancelled', orders: 1 },
      { status: 'delivered', orders: 1 },
      { status: 'pending', orders: 3 },
      { status: 'processing', orders: 1 },
    ]);
    expect(built.byPayment).toEqual([
      { paymentStatus: 'paid', orders: 2 },
      { paymentStatus: 'partially_refunded', orders: 1 },
      { paymentStatus: 'refunded', orders: 1 },
      { paymentStatus: 'unpaid', orders: 2 },
    ]);
    // Cai's 10 mugs; Ann and Ben tie at 47.50 (refunds do not lower spend), the lower id first. Dee's order may be last month.
    expect(built.topCustomers.slice(0, 3).map((t) => [t.name, t.spentCents])).toEqual([['Cai', 7500], ['Ann', 4750], ['Ben', 4750]]);
    // Variants under 10: SH-M (4 - 1 sold).
    expect(built.lowStock).toEqual([{ variantId: variants[1]!.id, productId: shirt, name: 'Shirt (M)', sku: 'SH-M', stock: 3 }]);
    // Paid, not shipped: b is processing, c is pending and partly refunded; first[0] is refunded in full.
    expect(built.awaitingFulfilment.map((o) => o.orderId)).toEqual([b, c]);
    const unpaid = built.expiringUnpaid;
    expect(unpaid.map((o) => o.orderId)).toEqual([first[2], first[3]]);
    expect(unpaid[0]!.expiresAt).toBe('2024-02-10T09:10:00.000Z');
  });

  it('three processes placing, paying and cancelling orders at once leave the summaries equal to the orders', async () => {
    const p = ctx.platform;
    const mug = await p.addProduct({ name: 'Mug', price: 7.5, stock: 1000 });
    const groups: number[][] = [];
    for (let w = 0; w < 3; w++) {
      const group: number[] = [];
      for (let i = 0; i < 6; i++) {
        const c = await p.createCustomer({ email: `racer${w}_${i}@example.com`, name: `Racer ${w}.${i}` });
        await p.addToCart(c, mug, 1 + i);
        group.push(c);
      }
      groups.push(group);
    }
    const placed = await raceProcesses<number[]>(new URL('./rollup-worker.ts', import.meta.url).pathname, groups.map((g) => [ctx.url, JSON.stringify(g)]));
    expect(placed.flat()).toHaveLength(18);
    await compare(p);
    const built = await new DashboardReport(p.db).build({ days: 7 });
    expect(built.today.orders).toBe(12);
    expect(built.byStatus).toEqual([
      { status: 'cancelled', orders: 6 },
      { status: 'pending', orders: 6 },
      { status: 'processing', orders: 6 },
    ]);
  });

  it('migration 013 sums the orders a database already has', async () => {
    const { url, cleanup } = await backend.create();
    try {
      const old = await openDriver(url);
      if (old instanceof PostgresDriver) await old.ensureSchema();
      await migrate(old, 11);
      const at = '2025-05-04T10:00:00.000Z';
      await old.transaction(async (tx) => {
        await tx.run(`INSERT INTO customers (id, email, name, created_at) VALUES (1, 'old@example.com', 'Old', ?)`, [at]);
        for (const [id, status, cents] of [[1, 'delivered', 1000], [2, 'cancelled', 500], [3, 'pending', 250], [17, 'delivered', 4000]] as const) {
          await tx.run(`INSERT INTO orders (id, customer_id, status, total_cents, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?)`, [id, status, cents, at, at]);
        }
        if (tx.dialect === 'postgres') await tx.run(`SELECT setval(pg_get_serial_sequence('orders', 'id'), 20)`);
      });
      await old.close();
      const platform = await EcommercePlatform.open(url);
      try {
        await compare(platform);
        expect(await platform.query(`SELECT orders, total_cents FROM customer_sales_monthly WHERE month = '2025-05'`)).toEqual([{ orders: 3, total_cents: 5250 }]);
        await platform.cancelOrder(3);
        await compare(platform);
        // A deleted order leaves the summaries; PostgreSQL's TRUNCATE (migrate-data --force) empties them.
        await platform.db.run('DELETE FROM orders WHERE id = 17');
        await compare(platform);
        if (platform.db.dialect === 'postgres') {
          await platform.db.run('TRUNCATE orders CASCADE');
          expect(await platform.query('SELECT * FROM sales_daily')).toEqual([]);
          expect(await platform.query('SELECT * FROM customer_sales_monthly')).toEqual([]);
        }
      } finally {
        await platform.close();
      }
    } finally {
      await cleanup();
    }
  });
});
