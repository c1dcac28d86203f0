import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { CLI_TIMEOUT, runCli, tableRows } from './run.js';

describe('storekeeper demo', () => {
  it('tells the whole story on a temporary database: total 1139.96, delivered, then removes the database', async () => {
    const { code, stdout, stderr } = await runCli(['demo']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const title of ['A customer signs up', 'five products in two categories', 'browses Electronics', 'fills her cart', 'checks out', 'order history']) {
      expect(stdout).toContain(title);
    }
    expect(stdout).toMatch(/Order #1 placed: pending, total 1139\.96/);
    expect(stdout).toMatch(/^\s+Total\s+1139\.96$/m);
    expect(stdout).toMatch(/Order #1\s+delivered\s+1139\.96\s+4 items/);
    expect(stdout).toMatch(/4000000000000002: declined/);
    expect(stdout).toMatch(/payment #\d+ captured, 1139\.96 USD/);
    expect(stdout).toMatch(/Refund #\d+ succeeded: 29\.99; order partially_refunded, paid 1139\.96, refunded 29\.99/);
    // The timeline lists every status in order.
    const timeline = stdout.slice(stdout.indexOf("Alice's order history"));
    expect(tableRows(timeline).map((row) => row[0])).toEqual(['pending', 'processing', 'shipped', 'delivered']);
    const ledger = stdout.slice(stdout.indexOf('sends one mouse back'), stdout.indexOf("Alice's order history"));
    expect(tableRows(ledger).map((row) => row[0])).toEqual(['attempt', 'failure', 'attempt', 'authorization', 'capture', 'refund']);
    // Browsing Electronics shows exactly the three electronics products.
    const browse = stdout.slice(stdout.indexOf('browses Electronics'), stdout.indexOf('fills her cart'));
    expect(tableRows(browse).map((row) => row[0])).toEqual(['Laptop', 'Mouse', 'Keyboard']);
    const file = /demo on (\S+)/.exec(stdout)?.[1];
    expect(file).toBeDefined();
    expect(existsSync(file!)).toBe(false);
  }, CLI_TIMEOUT);
});

describe.each(backends)('storekeeper demo --db on $name', (backend) => {
  it('can run twice on the same database; both orders end delivered at 1139.96 and the ledger balances', async () => {
    const { url, cleanup } = await backend.create();
    try {
      for (let run = 0; run < 2; run++) {
        const { code, stdout, stderr } = await runCli(['demo', '--db', url]);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        expect(stdout).toContain('delivered');
      }
      const platform = await EcommercePlatform.open(url);
      try {
        const orders = await platform.query('SELECT status, total_cents, payment_status, paid_cents, refunded_cents FROM orders ORDER BY id');
        expect(orders.map((o) => [o.status, Number(o.total_cents), o.payment_status, Number(o.paid_cents), Number(o.refunded_cents)])).toEqual([
          ['delivered', 113996, 'partially_refunded', 113996, 2999],
          ['delivered', 113996, 'partially_refunded', 113996, 2999],
        ]);
        await assertLedgerInvariant(platform);
      } finally {
        await platform.close();
      }
    } finally {
      await cleanup();
    }
  }, CLI_TIMEOUT);
});
