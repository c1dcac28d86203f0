import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CartOwner } from '../../src/index.js';
import { backends } from '../backends.js';
import { usePlatform } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';

interface Outcome {
  ok: number;
  insufficient: number;
  other: string[];
  startedAt: number;
  finishedAt: number;
}

describe.each(backends)('the variant race on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('20 shoppers (guests and accounts) in 4 OS processes race for a variant with stock 3: exactly 3 orders, other variants untouched', async () => {
    const p = ctx.platform;
    const productId = await p.addProduct({
      name: 'Limited tee',
      price: 30,
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'LTD-S', options: { Size: 'S' }, stock: 3 },
        { sku: 'LTD-M', options: { Size: 'M' }, stock: 10 },
      ],
    });
    const [small, medium] = (await p.getProduct(productId))!.variants;
    const owners: CartOwner[] = [];
    for (let i = 0; i < 20; i++) {
      const owner: CartOwner = i % 2 === 0 ? await p.createCustomer({ email: `acct${i}@example.com`, name: `Account ${i}` }) : { guestToken: (await p.createGuestCart()).token };
      await p.addToCart(owner, productId, 1, { variantId: small!.id });
      owners.push(owner);
    }
    const worker = fileURLToPath(new URL('./race-worker.ts', import.meta.url));
    const children = [0, 1, 2, 3].map((w) =>
      fork(worker, [ctx.url, JSON.stringify(owners.filter((_, i) => i % 4 === w))], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    // Start barrier: every process has opened the database before any checks out.
    const ready = children.map((child) => new Promise<void>((resolve, reject) => {
      child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`unexpected ${String(m)}`))));
      child.on('error', reject);
    }));
    await Promise.all(ready);
    const startAt = Date.now() + 500;
    const outcomes = await Promise.all(
      children.map(
        (child) =>
          new Promise<Outcome>((resolve, reject) => {
            child.on('message', (m) => typeof m === 'object' && resolve(m as Outcome));
            child.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
            child.send({ startAt });
          }),
      ),
    );
    // The work overlapped: some process started before another had finished.
    const overlapping = outcomes.some((a, i) => outcomes.some((b, j) => i !== j && a.startedAt <= b.finishedAt && b.startedAt <= a.finishedAt));
    expect(overlapping, JSON.stringify(outcomes.map((o) => [o.startedAt, o.finishedAt]))).toBe(true);
    expect(outcomes.flatMap((o) => o.other)).toEqual([]);
    expect(outcomes.reduce((n, o) => n + o.ok, 0)).toBe(3);
    expect(outcomes.reduce((n, o) => n + o.insufficient, 0)).toBe(17);
    const after = (await p.getProduct(productId))!;
    expect(after.variants.map((x) => [x.id, x.stock])).toEqual([
      [small!.id, 0],
      [medium!.id, 10],
    ]);
    expect(after.stock).toBe(10);
    const orders = await p.query('SELECT placed_as_guest FROM orders');
    expect(orders).toHaveLength(3);
    const moves = await p.getInventoryMovements(productId);
    expect(moves.filter((m) => m.variantId === medium!.id).map((m) => m.delta)).toEqual([10]);
    await assertLedgerInvariant(p);
  });
});
