import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, usePlatform } from '../core/fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe.each(backends)('price history on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('records every price change (old, new, when, by whom) in the update transaction', async () => {
    const admin = await ctx.platform.createCustomer({ email: 'admin@example.com', name: 'Admin' });
    const p = await ctx.platform.addProduct({ name: 'Desk', price: 100, stock: 3 });
    await ctx.platform.updateProduct(p, { name: 'Desk 2' }); // no price change: nothing recorded
    await ctx.platform.updateProduct(p, { price: 100 }); // same price: nothing recorded
    await ctx.platform.updateProduct(p, { price: 80 }, admin);
    await ctx.platform.updateProduct(p, { priceCents: 9050, stock: 5 });
    const history = await ctx.platform.getPriceHistory(p);
    expect(history.map((h) => [h.oldPriceCents, h.newPriceCents, h.changedBy])).toEqual([
      [8000, 9050, null],
      [10000, 8000, admin],
    ]);
    expect(history[0]).toMatchObject({ oldPrice: 80, newPrice: 90.5 });
    expect(Date.parse(history[0]!.changedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await ctx.platform.getProduct(p))?.priceCents).toBe(9050);
    await expectError(ctx.platform.getPriceHistory(999), NotFoundError, 'not_found');
  });

  it('a failed update records nothing', async () => {
    const p = await ctx.platform.addProduct({ name: 'Desk', price: 100, stock: 3 });
    await expect(ctx.platform.updateProduct(p, { price: 50, name: '' })).rejects.toThrow();
    await expect(ctx.platform.updateProduct(p, { price: 50, stock: -1 })).rejects.toThrow();
    expect(await ctx.platform.getPriceHistory(p)).toEqual([]);
    expect((await ctx.platform.getProduct(p))?.priceCents).toBe(10000);
  });

  it('concurrent price changes chain exactly: each old price is the previous new price', async () => {
    const p = await ctx.platform.addProduct({ name: 'Hot', price: 1, stock: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.platform.updateProduct(p, { priceCents: 200 + i })));
    const history = (await ctx.platform.getPriceHistory(p)).reverse();
    expect(history[0]!.oldPriceCents).toBe(100);
    for (let i = 1; i < history.length; i++) expect(history[i]!.oldPriceCents).toBe(history[i - 1]!.newPriceCents);
    expect(history[history.length - 1]!.newPriceCents).toBe((await ctx.platform.getProduct(p))!.priceCents);
  });

  it('lowestPrice30d: shown on sale, the lowest price of the 30 days before the reduction', async () => {
    const p = await ctx.platform.addProduct({ name: 'TV', price: 500, stock: 3 });
    expect(await ctx.platform.getProductDetail(p)).toMatchObject({ lowestPrice30d: null, lowestPrice30dCents: null });
    await ctx.platform.updateProduct(p, { price: 600 }); // a rise is not a sale
    expect((await ctx.platform.getProductDetail(p))?.lowestPrice30d).toBeNull();
    await ctx.platform.updateProduct(p, { price: 450 });
    // In effect during the window: 500 (until the rise), then 600: lowest 500.
    expect(await ctx.platform.getProductDetail(p)).toMatchObject({ priceCents: 45000, lowestPrice30d: 500, lowestPrice30dCents: 50000 });
  });

  it('lowestPrice30d ignores prices that ended more than 30 days before the reduction', async () => {
    const p = await ctx.platform.addProduct({ name: 'Sofa', price: 300, stock: 3 });
    // Backdate a history: 200 until 40 days ago, 350 until 20 days ago, 320 until now, now 250.
    await ctx.platform.db.transaction(async (tx) => {
      for (const [old, next, at] of [
        [20000, 35000, daysAgo(40)],
        [35000, 32000, daysAgo(20)],
      ] as const) {
        await tx.run('INSERT INTO price_history (product_id, old_price_cents, new_price_cents, changed_at) VALUES (?, ?, ?, ?)', [p, old, next, at]);
      }
      await tx.run('UPDATE products SET price_cents = 32000 WHERE id = ?', [p]);
    });
    await ctx.platform.updateProduct(p, { price: 250 });
    expect(await ctx.platform.getProductDetail(p)).toMatchObject({ price: 250, lowestPrice30d: 320 });
  });
});
