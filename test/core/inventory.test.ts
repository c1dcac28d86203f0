import { describe, expect, it } from 'vitest';
import { InsufficientStockError, NotFoundError, ValidationError } from '../../src/index.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

describe.each(backends)('inventory on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('updateStock returns the new stock and records the movement', async () => {
    const id = await ctx.platform.addProduct({ name: 'Widget', price: 2, stock: 10 });
    expect(await ctx.platform.updateStock(id, 5, 'restock')).toBe(15);
    expect(await ctx.platform.updateStock(id, -15)).toBe(0);
    expect((await ctx.platform.getProduct(id))?.stock).toBe(0);
    const moves = await ctx.platform.getInventoryMovements(id);
    expect(moves.map((m) => [m.delta, m.reason, m.orderId, m.productId])).toEqual([
      [10, 'initial stock', null, id],
      [5, 'restock', null, id],
      [-15, 'adjustment', null, id],
    ]);
    for (const m of moves) expect(m.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(moves.map((m) => m.id)).toEqual([...moves.map((m) => m.id)].sort((a, b) => a - b));
  });

  it('refuses to go below zero with InsufficientStockError and writes nothing', async () => {
    const id = await ctx.platform.addProduct({ name: 'Scarce', price: 2, stock: 3 });
    const before = await snapshot(ctx.platform);
    const err = await expectError(ctx.platform.updateStock(id, -4), InsufficientStockError, 'insufficient_stock');
    expect(err).toMatchObject({ productId: id, available: 3, requested: 4 });
    const variantId = (await ctx.platform.getProduct(id))!.variants[0]!.id;
    expect(err.details).toEqual({ productId: id, variantId, available: 3, requested: 4 });
    expect(await snapshot(ctx.platform)).toEqual(before);
    expect(await ctx.platform.updateStock(id, -3)).toBe(0);
    await expectError(ctx.platform.updateStock(id, -1), InsufficientStockError, 'insufficient_stock');
  });

  it('concurrent decrements take exactly the stock there is', async () => {
    const id = await ctx.platform.addProduct({ name: 'Hot', price: 2, stock: 7 });
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getProduct(id))); // open the pool's connections
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => ctx.platform.updateStock(id, -1, 'sold')));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientStockError);
    expect(ok.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await ctx.platform.getProduct(id))!.stock).toBe(0);
    await assertLedgerInvariant(ctx.platform);
  });

  it('refuses a zero, fractional or non-number delta and writes nothing', async () => {
    const id = await ctx.platform.addProduct({ name: 'W', price: 2, stock: 3 });
    const before = await snapshot(ctx.platform);
    for (const delta of [0, 1.5, NaN, Infinity, '5', null, 1e12]) {
      await expectError(ctx.platform.updateStock(id, untyped(delta)), ValidationError, 'validation_failed', `delta ${String(delta)}`);
    }
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('refuses an empty or non-string reason, and unknown or invalid products', async () => {
    const id = await ctx.platform.addProduct({ name: 'W', price: 2, stock: 3 });
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.updateStock(id, 1, ''), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateStock(id, 1, untyped(5)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateStock(9999, 1), NotFoundError, 'not_found');
    await expectError(ctx.platform.updateStock(9999, -1), NotFoundError, 'not_found');
    await expectError(ctx.platform.updateStock(untyped('1'), 1), ValidationError, 'validation_failed');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('getInventoryMovements: none for a product created with stock 0; not_found for an unknown one', async () => {
    const id = await ctx.platform.addProduct({ name: 'Empty', price: 2, stock: 0 });
    expect(await ctx.platform.getInventoryMovements(id)).toEqual([]);
    await expectError(ctx.platform.getInventoryMovements(4242), NotFoundError, 'not_found');
    await expectError(ctx.platform.getInventoryMovements(0), ValidationError, 'validation_failed');
  });

  it('stock always equals the sum of deltas, across adjustments, orders and cancellations', async () => {
    const a = await ctx.platform.addProduct({ name: 'A', price: 1, stock: 20 });
    const b = await ctx.platform.addProduct({ name: 'B', price: 2, stock: 5 });
    const c = await ctx.platform.createCustomer({ email: 'inv@example.com', name: 'Inv' });
    await ctx.platform.updateStock(a, -3, 'damaged');
    await ctx.platform.addToCart(c, a, 4);
    await ctx.platform.addToCart(c, b, 2);
    const first = await ctx.platform.createOrder(c);
    await ctx.platform.addToCart(c, a, 1);
    await ctx.platform.createOrder(c);
    await ctx.platform.cancelOrder(first);
    await ctx.platform.updateProduct(b, { stock: 9 });
    for (const pid of [a, b]) {
      const sum = (await ctx.platform.getInventoryMovements(pid)).reduce((s, m) => s + m.delta, 0);
      expect(sum).toBe((await ctx.platform.getProduct(pid))!.stock);
    }
    expect((await ctx.platform.getProduct(a))!.stock).toBe(20 - 3 - 4 - 1 + 4);
    const orderMoves = (await ctx.platform.getInventoryMovements(a)).filter((m) => m.orderId === first);
    expect(orderMoves.map((m) => [m.delta, m.reason])).toEqual([
      [-4, 'order'],
      [4, 'order cancelled'],
    ]);
    await assertLedgerInvariant(ctx.platform);
  });

  it('getLowStock lists products below the threshold (default 10), lowest first', async () => {
    const ten = await ctx.platform.addProduct({ name: 'Ten', price: 1, stock: 10 });
    const nine = await ctx.platform.addProduct({ name: 'Nine', price: 1, stock: 9 });
    const zero = await ctx.platform.addProduct({ name: 'Zero', price: 1, stock: 0 });
    await ctx.platform.addProduct({ name: 'Many', price: 1, stock: 100 });
    expect((await ctx.platform.getLowStock()).map((p) => p.id)).toEqual([zero, nine]);
    expect((await ctx.platform.getLowStock(11)).map((p) => p.id)).toEqual([zero, nine, ten]);
    expect(await ctx.platform.getLowStock(0)).toEqual([]);
    expect((await ctx.platform.getLowStock(1))[0]).toMatchObject({ id: zero, name: 'Zero', stock: 0, price: 1, priceCents: 100 });
    await expectError(ctx.platform.getLowStock(-1), ValidationError, 'validation_failed');
    await expectError(ctx.platform.getLowStock(untyped('5')), ValidationError, 'validation_failed');
  });
});
