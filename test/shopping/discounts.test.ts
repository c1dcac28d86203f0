import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConflictError, DiscountInvalidError, EmptyCartError, NotFoundError, ValidationError, type EcommercePlatform } from '../../src/index.js';
import { discountCents } from '../../src/promotions/discount.js';
import { backends } from '../backends.js';
import { expectError, snapshot, usePlatform } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';
import { raceProcesses } from '../processes.js';

const DAY = 24 * 60 * 60 * 1000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

describe('discount arithmetic in integer cents', () => {
  it('rounds percentages half up and never exceeds the subtotal', () => {
    expect(discountCents('percentage', 1500, 1999)).toBe(300); // 15 % of 19.99 = 2.9985 → 3.00
    expect(discountCents('percentage', 1250, 99)).toBe(12); // 12.5 % of 0.99 = 0.12375 → 0.12
    expect(discountCents('percentage', 1250, 100)).toBe(13); // 12.5 % of 1.00 = 0.125 → 0.13 (half up)
    expect(discountCents('percentage', 1000, 5)).toBe(1); // 0.5 cent rounds up
    expect(discountCents('percentage', 1000, 4)).toBe(0);
    expect(discountCents('percentage', 10000, 1234)).toBe(1234);
    expect(discountCents('percentage', 3333, 1_000_000_000_000)).toBe(333_300_000_000); // beyond 2^53 in the product
    expect(discountCents('fixed', 500, 1999)).toBe(500);
    expect(discountCents('fixed', 5000, 1999)).toBe(1999);
    expect(discountCents('fixed', 500, 0)).toBe(0);
  });
});

describe.each(backends)('discount codes on $name', (backend) => {
  const ctx = usePlatform(backend);
  let n = 0;
  const shopper = async (platform: EcommercePlatform, productId: number, quantity = 1) => {
    const c = await platform.createCustomer({ email: `s${n++}@example.com`, name: 'Shopper' });
    await platform.addToCart(c, productId, quantity);
    return c;
  };

  it('admin creates, lists with use counts and patches codes; values become basis points or cents', async () => {
    const pct = await ctx.platform.createDiscountCode({ code: ' summer15 ', type: 'percentage', value: 12.5, minSubtotal: 20 });
    expect(pct).toMatchObject({ code: 'SUMMER15', type: 'percentage', value: 12.5, percentBasisPoints: 1250, amountCents: null, minSubtotalCents: 2000 });
    expect(pct).toMatchObject({ active: true, oncePerCustomer: false, maxRedemptions: null, redemptionCount: 0 });
    const fixed = await ctx.platform.createDiscountCode({ code: 'FIVE', type: 'fixed', value: 4.99, maxRedemptions: 3, oncePerCustomer: true });
    expect(fixed).toMatchObject({ value: 4.99, amountCents: 499, percentBasisPoints: null, maxRedemptions: 3, oncePerCustomer: true });
    await expectError(ctx.platform.createDiscountCode({ code: 'summer15', type: 'fixed', value: 1 }), ConflictError, 'conflict');
    for (const bad of [
      { code: 'X', type: 'percentage', value: 101 },
      { code: 'X', type: 'percentage', value: 0 },
      { code: 'X', type: 'fixed', value: 1.234 },
      { code: 'X', type: 'bogus', value: 1 },
      { code: 'has space', type: 'fixed', value: 1 },
      { code: 'X', type: 'fixed', value: 1, validFrom: '2030-01-02T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' },
      { code: 'X', type: 'fixed', value: 1, validUntil: 'tomorrow' },
      { code: 'X', type: 'fixed', value: 1, extra: true },
    ]) {
      await expectError(ctx.platform.createDiscountCode(bad as never), ValidationError, 'validation_failed');
    }
    expect((await ctx.platform.listDiscountCodes()).map((c) => c.code).sort()).toEqual(['FIVE', 'SUMMER15']);
    const off = await ctx.platform.updateDiscountCode('summer15', { active: false, value: 20 });
    expect(off).toMatchObject({ active: false, percentBasisPoints: 2000, type: 'percentage' });
    const switched = await ctx.platform.updateDiscountCode('FIVE', { type: 'percentage', value: 10 });
    expect(switched).toMatchObject({ type: 'percentage', percentBasisPoints: 1000, amountCents: null });
    await expectError(ctx.platform.updateDiscountCode('NOPE', { active: false }), NotFoundError, 'not_found');
  });

  it('the cart shows subtotal, discount and total; checkout stores them on the order and redeems once', async () => {
    const p = await ctx.platform.addProduct({ name: 'Shirt', price: 19.99, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'SAVE15', type: 'percentage', value: 15 });
    const c = await shopper(ctx.platform, p, 1);
    expect(await ctx.platform.getCartSummary(c)).toMatchObject({ subtotalCents: 1999, discountCents: 0, totalCents: 1999, discountCode: null });
    const summary = await ctx.platform.applyDiscount(c, 'save15');
    expect(summary).toMatchObject({ subtotal: 19.99, discount: 3, discountCents: 300, total: 16.99, totalCents: 1699, discountCode: 'SAVE15' });
    const orderId = await ctx.platform.createOrder(c);
    const order = await ctx.platform.getOrder(orderId);
    expect(order).toMatchObject({ subtotalCents: 1999, discountCents: 300, totalCents: 1699, subtotal: 19.99, discount: 3, totalAmount: 16.99, discountCode: 'SAVE15' });
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(1);
    expect((await ctx.platform.getCartSummary(c)).discountCode).toBeNull(); // consumed with the cart
    const plain = await shopper(ctx.platform, p, 2);
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(plain))).toMatchObject({ subtotalCents: 3998, discountCents: 0, totalCents: 3998, discountCode: null });
  });

  it('a fixed code never takes more than the subtotal; removing a code restores the total', async () => {
    const p = await ctx.platform.addProduct({ name: 'Pin', price: 2.5, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'TENOFF', type: 'fixed', value: 10 });
    const c = await shopper(ctx.platform, p, 1);
    expect(await ctx.platform.applyDiscount(c, 'TENOFF')).toMatchObject({ discountCents: 250, totalCents: 0 });
    expect(await ctx.platform.removeDiscount(c)).toMatchObject({ discountCents: 0, totalCents: 250, discountCode: null });
    await ctx.platform.applyDiscount(c, 'TENOFF');
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(c))).toMatchObject({ discountCents: 250, totalCents: 0 });
  });

  it('unknown, inactive, not-yet-valid and expired codes are refused when applied', async () => {
    const p = await ctx.platform.addProduct({ name: 'Cap', price: 10, stock: 10 });
    const c = await shopper(ctx.platform, p);
    await ctx.platform.createDiscountCode({ code: 'OFF', type: 'fixed', value: 1, active: false });
    await ctx.platform.createDiscountCode({ code: 'LATER', type: 'fixed', value: 1, validFrom: iso(DAY) });
    await ctx.platform.createDiscountCode({ code: 'GONE', type: 'fixed', value: 1, validUntil: iso(-1000) });
    for (const [code, reason] of [['NOPE', 'unknown'], ['OFF', 'inactive'], ['LATER', 'not_yet_valid'], ['GONE', 'expired']] as const) {
      const e = await expectError(ctx.platform.applyDiscount(c, code), DiscountInvalidError, 'discount_invalid');
      expect(e.statusCode).toBe(422);
      expect(e.details).toEqual({ code, reason });
    }
    expect((await ctx.platform.getCartSummary(c)).discountCode).toBeNull();
  });

  it('a code that stops being valid fails the checkout, which then takes nothing', async () => {
    const p = await ctx.platform.addProduct({ name: 'Cap', price: 10, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'SOON', type: 'fixed', value: 1, validUntil: iso(DAY) });
    const c = await shopper(ctx.platform, p);
    await ctx.platform.applyDiscount(c, 'SOON');
    await ctx.platform.updateDiscountCode('SOON', { validUntil: iso(-1000) }); // expired while in the cart
    const summary = await ctx.platform.getCartSummary(c);
    expect(summary).toMatchObject({ discountCode: 'SOON', discountCents: 0, totalCents: 1000 });
    expect(summary.discountProblem).toMatch(/expired/);
    const before = await snapshot(ctx.platform);
    const e = await expectError(ctx.platform.createOrder(c), DiscountInvalidError, 'discount_invalid');
    expect(e.reason).toBe('expired');
    expect(await snapshot(ctx.platform)).toEqual(before);
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(0);
    expect(await ctx.platform.query('SELECT * FROM discount_redemptions')).toEqual([]);
    await ctx.platform.updateDiscountCode('SOON', { active: false, validUntil: iso(DAY) });
    expect((await expectError(ctx.platform.createOrder(c), DiscountInvalidError, 'discount_invalid')).reason).toBe('inactive');
    await ctx.platform.removeDiscount(c);
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(c))).toMatchObject({ totalCents: 1000, discountCents: 0 });
  });

  it('minSubtotal is checked against the cart at checkout', async () => {
    const p = await ctx.platform.addProduct({ name: 'Sock', price: 7.5, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'BIG', type: 'fixed', value: 5, minSubtotal: 15 });
    const c = await shopper(ctx.platform, p, 1);
    expect(await ctx.platform.applyDiscount(c, 'BIG')).toMatchObject({ discountCents: 0, totalCents: 750, discountCode: 'BIG' });
    expect((await expectError(ctx.platform.createOrder(c), DiscountInvalidError, 'discount_invalid')).reason).toBe('min_subtotal');
    expect((await ctx.platform.getProduct(p))?.stock).toBe(10);
    await ctx.platform.addToCart(c, p, 1); // exactly the minimum
    expect(await ctx.platform.getCartSummary(c)).toMatchObject({ subtotalCents: 1500, discountCents: 500, totalCents: 1000 });
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(c))).toMatchObject({ totalCents: 1000 });
  });

  it('once per customer: a second use is refused, also at checkout; a cancelled order gives it back', async () => {
    const p = await ctx.platform.addProduct({ name: 'Mug', price: 8, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'WELCOME', type: 'percentage', value: 10, oncePerCustomer: true });
    const c = await shopper(ctx.platform, p);
    await ctx.platform.applyDiscount(c, 'WELCOME');
    const first = await ctx.platform.createOrder(c);
    await ctx.platform.addToCart(c, p, 1);
    expect((await expectError(ctx.platform.applyDiscount(c, 'WELCOME'), DiscountInvalidError, 'discount_invalid')).reason).toBe('already_used');
    // Applied before the first order: still refused at checkout.
    const d = await shopper(ctx.platform, p);
    await ctx.platform.applyDiscount(d, 'WELCOME');
    const e = await shopper(ctx.platform, p);
    await ctx.platform.applyDiscount(e, 'WELCOME');
    await ctx.platform.createOrder(d);
    await ctx.platform.addToCart(d, p, 1);
    await ctx.platform.db.run("INSERT INTO cart_discounts (customer_id, code, applied_at) VALUES (?, 'WELCOME', ?)", [d, iso(0)]);
    expect((await expectError(ctx.platform.createOrder(d), DiscountInvalidError, 'discount_invalid')).reason).toBe('already_used');
    await ctx.platform.createOrder(e);
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(3);
    await ctx.platform.cancelOrder(first);
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(2);
    await ctx.platform.applyDiscount(c, 'WELCOME');
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(c))).toMatchObject({ discountCents: 80, discountCode: 'WELCOME' });
  });

  it('cancelling an order gives its redemption back, once', async () => {
    const p = await ctx.platform.addProduct({ name: 'Hat', price: 20, stock: 10 });
    await ctx.platform.createDiscountCode({ code: 'ONE', type: 'fixed', value: 5, maxRedemptions: 1 });
    const a = await shopper(ctx.platform, p);
    const b = await shopper(ctx.platform, p);
    await ctx.platform.applyDiscount(a, 'ONE');
    await ctx.platform.applyDiscount(b, 'ONE');
    const orderA = await ctx.platform.createOrder(a);
    expect((await expectError(ctx.platform.createOrder(b), DiscountInvalidError, 'discount_invalid')).reason).toBe('exhausted');
    expect((await expectError(ctx.platform.applyDiscount(b, 'ONE'), DiscountInvalidError, 'discount_invalid')).reason).toBe('exhausted');
    const cancelled = await ctx.platform.cancelOrder(orderA);
    expect(cancelled).toMatchObject({ status: 'cancelled', discountCents: 500, discountCode: 'ONE' }); // the order keeps its history
    const [redemption] = await ctx.platform.query('SELECT released_at FROM discount_redemptions');
    expect(redemption!.released_at).not.toBeNull();
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(0);
    expect(await ctx.platform.getOrder(await ctx.platform.createOrder(b))).toMatchObject({ totalCents: 1500 });
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(1);
  });

  it('50 shoppers race for a code limited to 10 uses: exactly 10 redemptions, 40 clean errors that take nothing', async () => {
    const p = await ctx.platform.addProduct({ name: 'Deal', price: 10, stock: 100 });
    await ctx.platform.createDiscountCode({ code: 'RACE', type: 'percentage', value: 50, maxRedemptions: 10 });
    const shoppers = await Promise.all(Array.from({ length: 50 }, () => shopper(ctx.platform, p, 2)));
    await Promise.all(shoppers.map((c) => ctx.platform.applyDiscount(c, 'RACE')));
    const results = await Promise.allSettled(shoppers.map((c) => ctx.platform.createOrder(c)));
    const ok = results.filter((r): r is PromiseFulfilledResult<number> => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(DiscountInvalidError);
      expect((f.reason as DiscountInvalidError).reason).toBe('exhausted');
    }
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(10);
    const [count] = await ctx.platform.query("SELECT COUNT(*) AS n FROM discount_redemptions WHERE code = 'RACE'");
    expect(Number(count!.n)).toBe(10);
    expect((await ctx.platform.getProduct(p))?.stock).toBe(80); // only the 10 orders took stock
    for (const r of ok) expect(await ctx.platform.getOrder(r.value)).toMatchObject({ subtotalCents: 2000, discountCents: 1000, totalCents: 1000 });
    const [orders] = await ctx.platform.query('SELECT COUNT(*) AS n FROM orders');
    expect(Number(orders!.n)).toBe(10);
    await assertLedgerInvariant(ctx.platform);
  });

  it('4 OS processes race 40 shoppers for a code limited to 10 uses: exactly 10 redemptions', async () => {
    const p = await ctx.platform.addProduct({ name: 'Deal', price: 10, stock: 100 });
    await ctx.platform.createDiscountCode({ code: 'PROC', type: 'fixed', value: 1, maxRedemptions: 10 });
    const shoppers = await Promise.all(Array.from({ length: 40 }, () => shopper(ctx.platform, p, 1)));
    await Promise.all(shoppers.map((c) => ctx.platform.applyDiscount(c, 'PROC')));
    const worker = fileURLToPath(new URL('../race-worker.ts', import.meta.url));
    const outcomes = await raceProcesses<{ ok: number; other: string[] }>(
      worker,
      [0, 1, 2, 3].map((w) => [ctx.url, JSON.stringify(shoppers.filter((_, i) => i % 4 === w))]),
    );
    expect(outcomes.reduce((n, o) => n + o.ok, 0)).toBe(10);
    const refused = outcomes.flatMap((o) => o.other);
    expect(refused).toHaveLength(30);
    for (const r of refused) expect(r).toMatch(/^DiscountInvalidError: The discount code PROC has been used up/);
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(10);
    expect((await ctx.platform.getProduct(p))?.stock).toBe(90);
    await assertLedgerInvariant(ctx.platform);
  });

  it('checkout of an empty cart with a code still fails as empty_cart and takes no use', async () => {
    await ctx.platform.createDiscountCode({ code: 'E', type: 'fixed', value: 1 });
    const c = await ctx.platform.createCustomer({ email: 'empty@example.com', name: 'Empty' });
    await ctx.platform.applyDiscount(c, 'E');
    await expectError(ctx.platform.createOrder(c), EmptyCartError, 'empty_cart');
    expect((await ctx.platform.listDiscountCodes())[0]!.redemptionCount).toBe(0);
  });
});
