import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrders } from '../../bench/admin-seed.js';
import { exportCsv } from '../../src/csv/export.js';
import type { Driver } from '../../src/db/driver.js';
import { currency, type EcommercePlatform } from '../../src/index.js';
import { backends, openFresh } from '../backends.js';
import { runCli, CLI_TIMEOUT } from '../cli/run.js';

/** The real driver, counting the page queries an export makes (to see that it reads as it is consumed). */
function counting(db: Driver): { db: Driver; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'all' && typeof value === 'function') {
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, reads: () => reads };
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe.each(backends)('CSV exports on $name', (backend) => {
  let platform: EcommercePlatform;
  let url: string;
  let dispose: () => Promise<void>;
  const ORDERS = 100_000;
  beforeAll(async () => {
    ({ platform, url, dispose } = await openFresh(backend));
    await platform.addProduct({ name: 'Plain, "quoted" mug\nwith a newline', priceCents: 1234, stock: 7, category: 'Kitchen' });
    await platform.addProduct({ name: 'Tray', priceCents: 500, stock: 1 });
    await seedOrders(platform.db, { customers: 1000, orders: ORDERS });
  }, 120_000);
  afterAll(() => dispose());

  it('exports 100,000 orders newest first, reading one page at a time as the consumer pulls', async () => {
    const c = counting(platform.db);
    const stream = exportCsv(c.db, 'orders');
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((r) => setTimeout(r, 200));
    // Paused after the first chunk: a few pages at most were read, not the whole table.
    expect(c.reads()).toBeLessThanOrEqual(3);
    const rest: Buffer[] = [];
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) break;
      rest.push(Buffer.from(value as Buffer));
    }
    expect(c.reads()).toBeGreaterThanOrEqual(ORDERS / 1000);
    const all = await text(exportCsv(platform.db, 'orders'));
    const rows = parse(all, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(ORDERS);
    expect(new Set(rows.map((r) => r.id)).size).toBe(ORDERS);
    const ats = rows.map((r) => r.created_at!);
    expect(ats.every((at, i) => i === 0 || at <= ats[i - 1]!)).toBe(true);
    const sum = await platform.query('SELECT SUM(total_cents) AS s FROM orders');
    const exported = rows.reduce((s, r) => s + Number(r.total!.replace('.', '')), 0);
    expect(exported).toBe(Number(sum[0]!.s));
  });

  it('exports products with quoting intact and amounts as exact decimals; filters apply to orders', async () => {
    const rows = parse(await text(exportCsv(platform.db, 'products')), { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({ name: 'Plain, "quoted" mug\nwith a newline', price: '12.34', stock: '7', category: 'Kitchen' });
    const cancelled = parse(await text(exportCsv(platform.db, 'orders', { orders: { status: 'cancelled' } })), { columns: true }) as Record<string, string>[];
    expect(cancelled.length).toBe(ORDERS / 10);
    expect(cancelled.every((r) => r.status === 'cancelled')).toBe(true);
    expect(() => exportCsv(platform.db, 'orders', { orders: { from: '2024-13-45' } })).toThrow(/from must be a date/);
  });

  it('writes amounts in the shop currency\'s own decimals (JPY none, KWD three), never through floats', async () => {
    const first = (csv: string) => (parse(csv, { columns: true }) as Record<string, string>[])[0]!;
    const usd = first(await text(exportCsv(platform.db, 'orders', { orders: { status: 'pending' } })));
    const minor = Math.round(Number(usd.total) * 100);
    expect(first(await text(exportCsv(platform.db, 'orders', { orders: { status: 'pending' }, currency: currency('JPY') }))).total).toBe(String(minor));
    const kwd = first(await text(exportCsv(platform.db, 'orders', { orders: { status: 'pending' }, currency: currency('KWD') }))).total;
    expect(kwd).toBe(`${Math.trunc(minor / 1000)}.${String(minor % 1000).padStart(3, '0')}`);
    expect(first(await text(exportCsv(platform.db, 'products', { currency: currency('JPY') }))).price).toBe('1234');
  });

  it('storekeeper export orders --format csv prints the same CSV', { timeout: CLI_TIMEOUT }, async () => {
    const r = await runCli(['export', 'orders', '--format', 'csv', '--status', 'pending', '--db', url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(ORDERS / 10);
    expect(rows.every((row) => row.status === 'pending')).toBe(true);
    const refunded = await runCli(['export', 'orders', '--format', 'csv', '--payment', 'partially_refunded', '--db', url]);
    expect(refunded.code).toBe(0);
    const partly = parse(refunded.stdout, { columns: true }) as Record<string, string>[];
    expect(partly.length).toBe(ORDERS / 20);
    expect(partly.every((row) => row.payment_status === 'partially_refunded' && row.refunded === '1.00')).toBe(true);
    const wrong = await runCli(['export', 'orders', '--format', 'csv', '--payment', 'owed', '--db', url]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('--payment must be one of');
    const bad = await runCli(['export', 'orders', '--format', 'xlsx', '--db', url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('only csv');
  });
});
