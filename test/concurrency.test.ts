import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EcommercePlatform, InsufficientStockError } from '../src/index.js';
import { backends, openFresh } from './backends.js';
import { assertLedgerInvariant } from './invariants.js';
import { raceProcesses } from './processes.js';

describe.each(backends)('concurrency on $name', (backend) => {
  let platform: EcommercePlatform;
  let url: string;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ platform, url, dispose } = await openFresh(backend));
  });
  afterEach(async () => dispose());

  it('200 concurrent customers in one process race for stock 50: exactly 50 orders', async () => {
    const productId = await platform.addProduct({ name: 'Hot item', price: 19.99, stock: 50, category: 'Deals' });
    const customers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => platform.createCustomer({ email: `racer${i}@example.com`, name: `Racer ${i}` })),
    );
    // Carts are filled before stock runs out, so the race is decided at checkout.
    await Promise.all(customers.map((c) => platform.addToCart(c, productId, 1)));
    const results = await Promise.allSettled(customers.map((c) => platform.createOrder(c)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(50);
    expect(failed).toHaveLength(150);
    for (const f of failed) expect(f.reason).toBeInstanceOf(InsufficientStockError);
    expect((await platform.getProduct(productId))?.stock).toBe(0);
    await assertLedgerInvariant(platform);
  });

  it('4 OS processes on one database race 200 customers for stock 50: exactly 50 orders', async () => {
    const productId = await platform.addProduct({ name: 'Hot item', price: 5, stock: 50 });
    const customers: number[] = [];
    for (let i = 0; i < 200; i++) customers.push(await platform.createCustomer({ email: `p${i}@example.com`, name: `P ${i}` }));
    for (const c of customers) await platform.addToCart(c, productId, 1);
    const worker = fileURLToPath(new URL('./race-worker.ts', import.meta.url));
    const outcomes = await raceProcesses<{ ok: number; insufficient: number; other: string[] }>(
      worker,
      [0, 1, 2, 3].map((w) => [url, JSON.stringify(customers.filter((_, i) => i % 4 === w))]),
    );
    const total = outcomes.reduce((a, o) => ({ ok: a.ok + o.ok, insufficient: a.insufficient + o.insufficient, other: [...a.other, ...o.other] }), {
      ok: 0,
      insufficient: 0,
      other: [] as string[],
    });
    expect(total.other).toEqual([]);
    expect(total.ok).toBe(50);
    expect(total.insufficient).toBe(150);
    expect((await platform.getProduct(productId))?.stock).toBe(0);
    await assertLedgerInvariant(platform);
  });
});
