import type { Driver } from '../src/db/driver.js';

/**
 * Bulk order history for the admin benchmark and the export test: customers, orders (one line
 * each, statuses and the payment states they imply mixed, created_at rising with the id over the last `days` days) written by
 * INSERT … SELECT over a number series inside the database — no row crosses the driver, so a
 * million orders take seconds. Needs products to exist (the lines point at them).
 */
export async function seedOrders(db: Driver, options: { customers: number; orders: number; days?: number }): Promise<void> {
  const days = options.days ?? 365;
  const pg = db.dialect === 'postgres';
  const series = (n: number) => (pg ? `SELECT i FROM generate_series(1::bigint, ${n}) AS s(i)` : `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT i FROM s`);
  const start = new Date(Date.now() - days * 86_400_000).toISOString();
  const stepMs = Math.max(1, Math.floor((days * 86_400_000) / options.orders));
  // ISO-8601 with milliseconds, exactly as the engine writes created_at, so ranges compare as text.
  const at = (offsetMs: string) =>
    pg
      ? `to_char(('${start}'::timestamptz AT TIME ZONE 'UTC') + (${offsetMs}) * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', '${start}', '+' || ((${offsetMs}) / 1000.0) || ' seconds')`;
  const products = await db.get<{ lo: number; hi: number }>('SELECT MIN(id) AS lo, MAX(id) AS hi FROM products');
  if (!products?.lo) throw new Error('seedOrders needs products first');
  const pLo = Number(products.lo);
  const pCount = Number(products.hi) - pLo + 1;
  const cBase = Number((await db.get<{ m: number | null }>('SELECT MAX(id) AS m FROM customers'))?.m ?? 0);
  const oBase = Number((await db.get<{ m: number | null }>('SELECT MAX(id) AS m FROM orders'))?.m ?? 0);
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO customers (email, name, created_at) SELECT 'bulk' || (i + ${cBase}) || '@example.com', 'Customer ' || (i + ${cBase}), '${start}' FROM (${series(options.customers)}) q`,
    );
    const cLo = cBase + 1;
    await tx.run(
      `INSERT INTO orders (customer_id, status, payment_status, paid_cents, refunded_cents, authorized_cents, subtotal_cents, discount_cents, total_cents, created_at, updated_at)
       SELECT ${cLo} + ((i * 7919) % ${options.customers}),
         CASE i % 10 WHEN 0 THEN 'pending' WHEN 1 THEN 'processing' WHEN 2 THEN 'cancelled' WHEN 3 THEN 'shipped' WHEN 4 THEN 'shipped' ELSE 'delivered' END,
         -- The payment state each status implies; one delivered order in twenty partly refunded.
         CASE WHEN i % 10 = 0 THEN 'unpaid' WHEN i % 10 = 2 THEN 'voided' WHEN i % 20 = 19 THEN 'partially_refunded' ELSE 'paid' END,
         CASE WHEN i % 10 IN (0, 2) THEN 0 ELSE 500 + (i * 37) % 20000 END,
         CASE WHEN i % 20 = 19 THEN 100 ELSE 0 END,
         CASE WHEN i % 10 = 0 THEN 0 ELSE 500 + (i * 37) % 20000 END,
         500 + (i * 37) % 20000, 0, 500 + (i * 37) % 20000, ${at(`i * ${stepMs}`)}, ${at(`i * ${stepMs}`)}
       FROM (${series(options.orders)}) q`,
    );
    await tx.run(
      `INSERT INTO order_items (order_id, product_id, product_name, quantity, price_cents)
       SELECT o.id, ${pLo} + (o.id % ${pCount}), 'Bulk item', 1, o.total_cents FROM orders o WHERE o.id > ${oBase}`,
    );
    await tx.run(
      `INSERT INTO order_status_history (order_id, status, at) SELECT id, status, created_at FROM orders WHERE id > ${oBase}`,
    );
  });
  await db.run('ANALYZE');
}
