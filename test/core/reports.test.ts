import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, untyped, usePlatform } from './fixture.js';

describe.each(backends)('reports on $name', (backend) => {
  const ctx = usePlatform(backend);

  /** Three customers; orders in several states. Returns ids by name. */
  async function seed() {
    const p = ctx.platform;
    const alice = await p.createCustomer({ email: 'alice@example.com', name: 'Alice' });
    const bob = await p.createCustomer({ email: 'bob@example.com', name: 'Bob' });
    const carol = await p.createCustomer({ email: 'carol@example.com', name: 'Carol' });
    const dave = await p.createCustomer({ email: 'dave@example.com', name: 'Dave' });
    const cheap = await p.addProduct({ name: 'Cheap', price: 0.1, stock: 100, category: 'Misc' });
    const dear = await p.addProduct({ name: 'Dear', price: 500.05, stock: 100, category: 'Misc' });
    const scarce = await p.addProduct({ name: 'Scarce', price: 1, stock: 3 });
    const order = async (customer: number, lines: [number, number][]) => {
      for (const [product, qty] of lines) await p.addToCart(customer, product, qty);
      return p.createOrder(customer);
    };
    const a1 = await order(alice, [[cheap, 3]]); // 0.30
    const a2 = await order(alice, [[cheap, 1], [dear, 1]]); // 500.15
    const b1 = await order(bob, [[dear, 2]]); // 1000.10
    const b2 = await order(bob, [[dear, 10]]); // 5000.50, cancelled below
    const c1 = await order(carol, [[cheap, 7]]); // 0.70
    const d1 = await order(dave, [[dear, 20]]); // cancelled: Dave spent nothing
    for (const o of [a2, b1, c1]) await p.payOrder(o);
    for (const s of ['processing', 'shipped', 'delivered'] as const) {
      await p.updateOrderStatus(a2, s);
      await p.updateOrderStatus(b1, s);
    }
    await p.updateOrderStatus(c1, 'processing');
    await p.cancelOrder(b2);
    await p.cancelOrder(d1);
    return { alice, bob, carol, dave, cheap, dear, scarce, a1, a2, b1, b2, c1, d1 };
  }

  it('pendingOrders lists only pending orders, oldest first, with item counts', async () => {
    expect(await ctx.platform.reports.pendingOrders()).toEqual([]);
    const s = await seed();
    expect(await ctx.platform.reports.pendingOrders()).toEqual([
      { orderId: s.a1, customerId: s.alice, customerName: 'Alice', totalAmount: 0.3, totalCents: 30, itemCount: 3, createdAt: expect.any(String) },
    ]);
  });

  it('topCustomers sorts by spend, excludes cancelled orders and honours the limit', async () => {
    const s = await seed();
    const top = await ctx.platform.reports.topCustomers();
    expect(top.map((t) => [t.customerId, t.name, t.orderCount, t.totalSpent, t.totalSpentCents])).toEqual([
      [s.bob, 'Bob', 1, 1000.1, 100010],
      [s.alice, 'Alice', 2, 500.45, 50045],
      [s.carol, 'Carol', 1, 0.7, 70],
    ]);
    expect((await ctx.platform.reports.topCustomers({ limit: 2 })).map((t) => t.name)).toEqual(['Bob', 'Alice']);
    await expectError(ctx.platform.reports.topCustomers({ limit: 0 }), ValidationError, 'validation_failed');
    await expectError(ctx.platform.reports.topCustomers(untyped({ limit: '3' })), ValidationError, 'validation_failed');
  });

  it('dailySales groups by UTC day for the given status (default delivered) with exact revenue', async () => {
    expect(await ctx.platform.reports.dailySales()).toEqual([]);
    const before = new Date().toISOString().slice(0, 10);
    await seed();
    const after = new Date().toISOString().slice(0, 10);
    const delivered = await ctx.platform.reports.dailySales();
    expect(delivered).toHaveLength(1);
    expect([before, after]).toContain(delivered[0]!.date);
    expect(delivered[0]).toMatchObject({ orders: 2, revenue: 1500.25, revenueCents: 150025 });
    expect(await ctx.platform.reports.dailySales({ status: 'cancelled' })).toEqual([
      expect.objectContaining({ orders: 2, revenue: 15001.5, revenueCents: 1500150 }),
    ]);
    expect(await ctx.platform.reports.dailySales({ status: 'processing' })).toEqual([expect.objectContaining({ orders: 1, revenueCents: 70 })]);
    expect(await ctx.platform.reports.dailySales({ status: 'shipped' })).toEqual([]);
    await expectError(ctx.platform.reports.dailySales(untyped({ status: 'lost' })), ValidationError, 'validation_failed');
  });

  it('lowStock lists products under the threshold, lowest first', async () => {
    const s = await seed();
    expect(await ctx.platform.reports.lowStock()).toEqual([{ productId: s.scarce, name: 'Scarce', category: null, stock: 3 }]);
    expect(await ctx.platform.reports.lowStock({ threshold: 3 })).toEqual([]);
    // cheap: 100 - 3 - 1 - 7 = 89; dear: 100 - 1 - 2 = 97 (cancelled orders gave theirs back)
    expect((await ctx.platform.reports.lowStock({ threshold: 98 })).map((r) => [r.name, r.stock])).toEqual([
      ['Scarce', 3],
      ['Cheap', 89],
      ['Dear', 97],
    ]);
    await expectError(ctx.platform.reports.lowStock({ threshold: -1 }), ValidationError, 'validation_failed');
  });
});
