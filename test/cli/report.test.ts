import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends, sqlite, type Backend } from '../backends.js';
import { CLI_TIMEOUT, runCli, tableRows, type CliResult } from './run.js';

/**
 * One database per backend with known history: Bob spends 150.00 over two orders (one delivered,
 * one pending), Carol 200.00 in one delivered order, Dave's only order is cancelled.
 */
async function fillStore(url: string): Promise<{ pendingOrderId: number; today: string }> {
  const platform = await EcommercePlatform.open(url);
  try {
    const bob = await platform.createCustomer({ email: 'bob@example.com', name: 'Bob Buyer' });
    const carol = await platform.createCustomer({ email: 'carol@example.com', name: 'Carol Client' });
    const dave = await platform.createCustomer({ email: 'dave@example.com', name: 'Dave Dropout' });
    const lamp = await platform.addProduct({ name: 'Desk Lamp', price: 50, stock: 20, category: 'Office' });
    const chair = await platform.addProduct({ name: 'Office Chair', price: 200, stock: 4, category: 'Office' });
    await platform.addProduct({ name: 'Stapler', price: 5.5, stock: 2, category: 'Office' });
    await platform.addProduct({ name: 'Sold Out Pen', price: 1.25, stock: 0 });

    const order = async (customerId: number, lines: Array<[number, number]>) => {
      for (const [productId, qty] of lines) await platform.addToCart(customerId, productId, qty);
      return platform.createOrder(customerId);
    };
    const deliver = async (orderId: number) => {
      await platform.payOrder(orderId);
      for (const s of ['processing', 'shipped', 'delivered'] as const) await platform.updateOrderStatus(orderId, s);
    };
    await deliver(await order(bob, [[lamp, 1]]));
    const pendingOrderId = await order(bob, [[lamp, 2]]);
    await deliver(await order(carol, [[chair, 1]]));
    await platform.cancelOrder(await order(dave, [[chair, 1]]));
    return { pendingOrderId, today: new Date().toISOString().slice(0, 10) };
  } finally {
    await platform.close();
  }
}

/** Opens a filled store on the backend and runs the given report invocations concurrently (each a separate process). */
async function runReports<K extends string>(backend: Backend, invocations: Record<K, readonly string[]>) {
  const db = await backend.create();
  const store = await fillStore(db.url);
  const out = {} as Record<K | 'fromEnv', CliResult>;
  await Promise.all([
    ...(Object.keys(invocations) as K[]).map(async (key) => {
      out[key] = await runCli(['report', ...invocations[key], '--db', db.url]);
    }),
    runCli(['report', 'pending-orders'], { DATABASE_URL: db.url }).then((r) => (out.fromEnv = r)),
  ]);
  const stdout = (key: K | 'fromEnv') => {
    expect(out[key].stderr, key).toBe('');
    expect(out[key].code, key).toBe(0);
    return out[key].stdout;
  };
  return { ...store, stdout, cleanup: db.cleanup };
}

describe.each(backends)('storekeeper report on $name', (backend) => {
  let r: Awaited<ReturnType<typeof runReports<'top' | 'topJson' | 'daily' | 'low' | 'pending'>>>;
  beforeAll(async () => {
    r = await runReports(backend, {
      top: ['top-customers'],
      topJson: ['top-customers', '--json'],
      daily: ['daily-sales'],
      low: ['low-stock', '--threshold', '5'],
      pending: ['pending-orders'],
    });
  }, CLI_TIMEOUT);
  afterAll(async () => r.cleanup());

  it('top-customers: by total spent, cancelled orders not counted', () => {
    expect(r.stdout('top').split('\n')[0]).toMatch(/^#\s+Customer\s+Email\s+Orders\s+Total spent$/);
    expect(tableRows(r.stdout('top'))).toEqual([
      ['1', 'Carol Client', 'carol@example.com', '1', '200.00'],
      ['2', 'Bob Buyer', 'bob@example.com', '2', '150.00'],
    ]);
  });

  it('daily-sales: delivered orders by day', () => {
    expect(tableRows(r.stdout('daily'))).toEqual([[r.today, '2', '250.00']]);
  });

  it('low-stock: below the threshold, lowest first', () => {
    expect(tableRows(r.stdout('low')).map((row) => [row[1], row.at(-1)])).toEqual([
      ['Sold Out Pen', '0'],
      ['Stapler', '2'],
      ['Office Chair', '3'],
    ]);
  });

  it('pending-orders: the one pending order with its items and total', () => {
    const rows = tableRows(r.stdout('pending'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(0, 4)).toEqual([String(r.pendingOrderId), 'Bob Buyer', '2', '100.00']);
  });

  it('--json prints the library objects', () => {
    const json = JSON.parse(r.stdout('topJson')) as Array<{ name: string; totalSpentCents: number }>;
    expect(json.map((row) => [row.name, row.totalSpentCents])).toEqual([
      ['Carol Client', 20000],
      ['Bob Buyer', 15000],
    ]);
  });

  it('uses DATABASE_URL when --db is not given', () => {
    expect(tableRows(r.stdout('fromEnv'))).toEqual(tableRows(r.stdout('pending')));
  });
});

// The options only pass a parameter to the same queries, so one backend is enough for them.
describe('storekeeper report options', () => {
  it('--limit, --status and --threshold; a message instead of an empty table', async () => {
    const r = await runReports(sqlite, {
      topOne: ['top-customers', '--limit', '1'],
      dailyCancelled: ['daily-sales', '--status', 'cancelled'],
      dailyShipped: ['daily-sales', '--status', 'shipped'],
      lowNone: ['low-stock', '--threshold', '0'],
    });
    try {
      expect(tableRows(r.stdout('topOne'))).toEqual([['1', 'Carol Client', 'carol@example.com', '1', '200.00']]);
      expect(tableRows(r.stdout('dailyCancelled'))).toEqual([[r.today, '1', '200.00']]);
      expect(r.stdout('dailyShipped').trim()).toBe('No shipped orders.');
      expect(r.stdout('lowNone').trim()).toBe('No product has stock below 0.');
    } finally {
      await r.cleanup();
    }
  }, CLI_TIMEOUT);
});

describe('storekeeper report errors', () => {
  it('refuses a database file that does not exist instead of creating it', async () => {
    const { code, stderr } = await runCli(['report', 'top-customers', '--db', '/nonexistent-dir/store.db']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('no database at /nonexistent-dir/store.db');
  });

  it('refuses an unknown report, a bad --limit and an unknown --status', async () => {
    const cases: Array<[string[], string]> = [
      [['report', 'best-products'], "unknown command 'best-products'"],
      [['report', 'top-customers', '--limit', 'abc'], 'must be a positive integer'],
      [['report', 'top-customers', '--limit', '0'], 'must be a positive integer'],
      [['report', 'daily-sales', '--status', 'lost'], 'Allowed choices are'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach(({ code, stderr }, i) => {
      expect(code, cases[i]![0].join(' ')).not.toBe(0);
      expect(stderr).toContain(cases[i]![1]);
    });
  }, CLI_TIMEOUT);
});
