import { describe, expect, it } from 'vitest';
import { InvalidStatusTransitionError, NotFoundError, ORDER_STATUSES, TRANSITIONS, ValidationError, type OrderStatus } from '../../src/index.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

/** The moves that bring a new (pending) order into each status. */
const PATH_TO: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  processing: ['processing'],
  shipped: ['processing', 'shipped'],
  delivered: ['processing', 'shipped', 'delivered'],
  cancelled: ['cancelled'],
};

const ALLOWED: [OrderStatus, OrderStatus][] = [
  ['pending', 'processing'],
  ['pending', 'cancelled'],
  ['processing', 'shipped'],
  ['processing', 'cancelled'],
  ['shipped', 'delivered'],
];

describe('the transition table', () => {
  it('is exactly the documented one', () => {
    const table = ORDER_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to]));
    expect(table).toEqual(ALLOWED);
  });
});

describe.each(backends)('order status on $name', (backend) => {
  const ctx = usePlatform(backend);

  async function newOrder(quantity = 2): Promise<{ orderId: number; productId: number; customerId: number }> {
    const p = ctx.platform;
    const customerId = await p.createCustomer({ email: `s${Math.random().toString(36).slice(2)}@example.com`, name: 'Status' });
    const productId = await p.addProduct({ name: 'Thing', price: 3.5, stock: 10 });
    await p.addToCart(customerId, productId, quantity);
    const orderId = await p.createOrder(customerId);
    // Fulfilment waits for money (docs/PAYMENTS.md): every order here is paid with the test provider.
    await p.payOrder(orderId);
    return { orderId, productId, customerId };
  }

  async function orderIn(status: OrderStatus): Promise<{ orderId: number; productId: number }> {
    const o = await newOrder();
    for (const s of PATH_TO[status]) await ctx.platform.updateOrderStatus(o.orderId, s);
    expect((await ctx.platform.getOrder(o.orderId))!.status).toBe(status);
    return o;
  }

  it.each(ORDER_STATUSES)('from %s: every allowed move succeeds, every other is refused and writes nothing', async (from) => {
    for (const to of ORDER_STATUSES) {
      const { orderId } = await orderIn(from);
      if (TRANSITIONS[from].includes(to)) {
        const order = await ctx.platform.updateOrderStatus(orderId, to);
        expect(order.status).toBe(to);
        expect(order.statusHistory.at(-1)!.status).toBe(to);
        expect((await ctx.platform.getOrder(orderId))!.status).toBe(to);
      } else {
        const before = await snapshot(ctx.platform);
        const err = await expectError(ctx.platform.updateOrderStatus(orderId, to), InvalidStatusTransitionError, 'invalid_status_transition');
        expect(err).toMatchObject({ from, to });
        expect(await snapshot(ctx.platform)).toEqual(before);
      }
    }
    await assertLedgerInvariant(ctx.platform);
  });

  it('refuses an unknown status, an unknown order and a non-id', async () => {
    const { orderId } = await newOrder();
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.updateOrderStatus(orderId, untyped('lost')), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateOrderStatus(orderId, untyped('PENDING')), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateOrderStatus(orderId, untyped(undefined)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.updateOrderStatus(9999, 'processing'), NotFoundError, 'not_found');
    await expectError(ctx.platform.cancelOrder(9999), NotFoundError, 'not_found');
    await expectError(ctx.platform.updateOrderStatus(untyped('1'), 'processing'), ValidationError, 'validation_failed');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('records every change with its time, in order', async () => {
    const { orderId } = await newOrder();
    await ctx.platform.updateOrderStatus(orderId, 'processing');
    await ctx.platform.updateOrderStatus(orderId, 'shipped');
    const order = await ctx.platform.updateOrderStatus(orderId, 'delivered');
    expect(order.statusHistory.map((h) => h.status)).toEqual(['pending', 'processing', 'shipped', 'delivered']);
    const times = order.statusHistory.map((h) => h.at);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect([...times].sort()).toEqual(times);
    expect(times[0]).toBe(order.createdAt);
    expect(times.at(-1)).toBe(order.updatedAt);
    expect(await ctx.platform.getOrder(orderId)).toEqual(order);
  });

  it.each(['pending', 'processing'] as const)('cancelling from %s returns the stock through the ledger exactly once', async (from) => {
    const { orderId, productId } = await orderIn(from);
    expect((await ctx.platform.getProduct(productId))!.stock).toBe(8);
    const order = await ctx.platform.cancelOrder(orderId);
    expect(order.status).toBe('cancelled');
    expect(order.statusHistory.map((h) => h.status)).toEqual([...PATH_TO[from].length ? ['pending', 'processing'] : ['pending'], 'cancelled']);
    expect((await ctx.platform.getProduct(productId))!.stock).toBe(10);
    const moves = (await ctx.platform.getInventoryMovements(productId)).filter((m) => m.orderId === orderId);
    expect(moves.map((m) => [m.delta, m.reason])).toEqual([
      [-2, 'order'],
      [2, 'order cancelled'],
    ]);
    await expectError(ctx.platform.cancelOrder(orderId), InvalidStatusTransitionError, 'invalid_status_transition');
    await expectError(ctx.platform.updateOrderStatus(orderId, 'pending'), InvalidStatusTransitionError, 'invalid_status_transition');
    expect((await ctx.platform.getProduct(productId))!.stock).toBe(10);
    await assertLedgerInvariant(ctx.platform);
  });

  it('racing cancels: exactly one succeeds and the stock comes back once', async () => {
    const { orderId, productId } = await newOrder(3);
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getProduct(productId)));
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ctx.platform.cancelOrder(orderId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InvalidStatusTransitionError);
    expect((await ctx.platform.getProduct(productId))!.stock).toBe(10);
    const order = await ctx.platform.getOrder(orderId);
    expect(order!.statusHistory.map((h) => h.status)).toEqual(['pending', 'cancelled']);
    await assertLedgerInvariant(ctx.platform);
  });

  it('racing different moves on one order leave status, history and stock consistent', async () => {
    const orders: { orderId: number; productId: number }[] = [];
    for (let i = 0; i < 6; i++) orders.push(await newOrder(1));
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getOrder(orders[0]!.orderId)));
    const moves: OrderStatus[] = ['processing', 'cancelled', 'processing', 'cancelled'];
    await Promise.allSettled(orders.flatMap((o) => moves.map((to) => ctx.platform.updateOrderStatus(o.orderId, to))));
    for (const { orderId, productId } of orders) {
      const order = (await ctx.platform.getOrder(orderId))!;
      const history = order.statusHistory.map((h) => h.status);
      expect(history.at(-1), `order ${orderId}`).toBe(order.status);
      for (let i = 1; i < history.length; i++) expect(TRANSITIONS[history[i - 1]!]).toContain(history[i]);
      expect((await ctx.platform.getProduct(productId))!.stock).toBe(order.status === 'cancelled' ? 10 : 9);
    }
    await assertLedgerInvariant(ctx.platform);
  });
});
