import { describe, expect, it } from 'vitest';
import { EcommercePlatform, EmptyCartError, NotFoundError, ValidationError } from '../../src/index.js';
import { cleanupExpired } from '../../src/jobs/cleanup.js';
import { backends, type Backend } from '../backends.js';
import { expectError, snapshot, usePlatform, untyped } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';

const BERLIN = { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'de' };

async function germanShop(p: EcommercePlatform) {
  const method = await p.createShippingMethod({ name: 'DHL', price: 5, countries: ['DE', 'AT'] });
  await p.createTaxRate({ country: 'DE', ratePercent: 19 });
  const item = await p.addProduct({ name: 'Ten', price: 10, stock: 50 });
  return { methodId: method.id, item };
}

describe.each(backends)('checkout with shipping and tax on $name', (backend: Backend) => {
  const ctx = usePlatform(backend);

  it('the worked example, net prices: 2 × 10.00, DE 19 %, shipping 5.00 → tax 3.80 + 0.95, total 29.75; with 10 % off → 27.37', async () => {
    const p = ctx.platform;
    const { methodId, item } = await germanShop(p);
    const c = await p.createCustomer({ email: 'net@example.com', name: 'Net' });
    await p.addToCart(c, item, 2);
    const summary = await p.getCartSummary(c, { country: 'DE' });
    expect(summary).toMatchObject({ subtotalCents: 2000, shippingCents: 500, shippingMethodId: methodId, taxCents: 475, totalCents: 2975, country: 'DE' });
    const order = (await p.getOrder(await p.createOrder(c, { shippingAddress: BERLIN, shippingMethodId: methodId })))!;
    expect(order).toMatchObject({ subtotalCents: 2000, discountCents: 0, shippingCents: 500, shippingTaxCents: 95, taxCents: 475, totalCents: 2975, totalAmount: 29.75 });
    expect(order.items[0]).toMatchObject({ taxCents: 380, taxRatePercent: 19, discountCents: 0 });
    expect(order.shippingMethod).toEqual({ id: methodId, name: 'DHL' });

    await p.createDiscountCode({ code: 'TEN', type: 'percentage', value: 10 });
    await p.addToCart(c, item, 2);
    await p.applyDiscount(c, 'TEN');
    expect(await p.getCartSummary(c, { country: 'DE', shippingMethodId: methodId })).toMatchObject({ discountCents: 200, taxCents: 437, totalCents: 2737 });
    const discounted = (await p.getOrder(await p.createOrder(c, { shippingAddress: BERLIN, shippingMethodId: methodId, expectedTotalCents: 2737 })))!;
    expect(discounted).toMatchObject({ discountCents: 200, shippingTaxCents: 95, taxCents: 342 + 95, totalCents: 2737 });
    expect(discounted.items[0]).toMatchObject({ taxCents: 342, discountCents: 200 });
    await assertLedgerInvariant(p);
  });

  it('the order checkout builds from what it wrote (order.placed, the 201) is the order read back, also past 10 lines and for a guest', async () => {
    const p = ctx.platform;
    const { methodId, item } = await germanShop(p);
    await p.createTaxRate({ country: 'DE', ratePercent: 7, category: 'Books' });
    await p.createDiscountCode({ code: 'FIVE', type: 'fixed', value: 5 });
    const placed: unknown[] = [];
    p.on('order.placed', (e) => void placed.push(e.data.order));
    const products = [item];
    for (let i = 0; i < 11; i++) products.push(await p.addProduct({ name: `Line ${i}`, price: 1 + i / 100, stock: 9, category: i % 2 ? 'Books' : undefined, sku: `L-${i}` }));
    const c = await p.createCustomer({ email: 'built@example.com', name: 'Built' });
    for (const [i, id] of products.entries()) await p.addToCart(c, id, 1 + (i % 3));
    await p.applyDiscount(c, 'FIVE');
    const first = await p.createOrder(c, { shippingAddress: BERLIN, billingAddress: { ...BERLIN, name: 'Billing Person' }, shippingMethodId: methodId });
    const guest = { guestToken: (await p.createGuestCart()).token };
    await p.addToCart(guest, item, 2);
    const second = (await p.checkout(guest, { email: 'guest.built@example.com', shippingAddress: BERLIN, shippingMethodId: methodId })).orderId;
    await new Promise((r) => setTimeout(r, 20)); // listeners run after the commit
    const readBack = [await p.orders.get(first), await p.orders.get(second)];
    expect(readBack[0]!.items).toHaveLength(12);
    expect(readBack[0]!.discountCents).toBe(500);
    expect(readBack[1]!.placedAsGuest).toBe(true);
    expect(placed).toEqual(readBack);
    await assertLedgerInvariant(p);
  });

  it('a discount spread over lines adds up exactly, and each line is taxed on its share', async () => {
    const p = ctx.platform;
    await p.createTaxRate({ country: 'FR', ratePercent: 20 });
    await p.createTaxRate({ country: 'FR', ratePercent: 5.5, category: 'Books' });
    const a = await p.addProduct({ name: 'A', price: 3.33, stock: 9 });
    const b = await p.addProduct({ name: 'B', price: 6.67, stock: 9, category: 'Books' });
    const d = await p.addProduct({ name: 'D', price: 0.01, stock: 9 });
    await p.createDiscountCode({ code: 'ODD', type: 'fixed', value: 1.01 });
    const c = await p.createCustomer({ email: 'spread@example.com', name: 'Spread' });
    await p.addToCart(c, a, 1);
    await p.addToCart(c, b, 1);
    await p.addToCart(c, d, 1);
    await p.applyDiscount(c, 'ODD');
    const order = (await p.getOrder(await p.createOrder(c, { shippingAddress: { ...BERLIN, country: 'FR' } })))!;
    expect(order.discountCents).toBe(101);
    expect(order.items.reduce((s, i) => s + i.discountCents, 0)).toBe(101);
    expect(order.items.map((i) => i.taxRatePercent)).toEqual([20, 5.5, 20]);
    expect(order.taxCents).toBe(order.items.reduce((s, i) => s + i.taxCents, 0) + order.shippingTaxCents);
    expect(order.totalCents).toBe(order.subtotalCents - order.discountCents + order.shippingCents + order.taxCents);
  });

  it('gross prices: the same cart costs 25.00, of which tax 3.19 + 0.80', async () => {
    const { url, cleanup } = await backend.create();
    const p = await EcommercePlatform.open(url, { pricesIncludeTax: true });
    try {
      const { methodId, item } = await germanShop(p);
      const c = await p.createCustomer({ email: 'gross@example.com', name: 'Gross' });
      await p.addToCart(c, item, 2);
      const order = (await p.getOrder(await p.createOrder(c, { shippingAddress: BERLIN, shippingMethodId: methodId })))!;
      expect(order).toMatchObject({ totalCents: 2500, taxCents: 319 + 80, shippingTaxCents: 80, pricesIncludeTax: true });
      expect(order.items[0]!.taxCents).toBe(319);
    } finally {
      await p.close();
      await cleanup();
    }
  });

  it("the order keeps copies of its addresses: editing the address book later doesn't change it", async () => {
    const p = ctx.platform;
    const { methodId, item } = await germanShop(p);
    const c = await p.createCustomer({ email: 'book@example.com', name: 'Book' });
    const saved = await p.addAddress(c, BERLIN);
    await p.addToCart(c, item, 1);
    const billing = { ...BERLIN, name: 'Firma GmbH', country: 'AT' };
    const orderId = await p.createOrder(c, { shippingAddressId: saved.id, billingAddress: billing, shippingMethodId: methodId });
    await p.updateAddress(c, saved.id, { line1: 'Neue Straße 1', city: 'Bonn' });
    const order = (await p.getOrder(orderId))!;
    expect(order.shippingAddress).toEqual({ name: 'Erika Mustermann', line1: 'Heidestraße 17', line2: null, city: 'Köln', region: null, postalCode: '51147', country: 'DE', phone: null });
    expect(order.billingAddress).toMatchObject({ name: 'Firma GmbH', country: 'AT' });
    // Without a billing address it is the shipping address.
    await p.addToCart(c, item, 1);
    const second = (await p.getOrder(await p.createOrder(c, { shippingAddress: BERLIN, shippingMethodId: methodId })))!;
    expect(second.billingAddress).toEqual(second.shippingAddress);
  });

  it('refuses bad checkout input with nothing written: unknown country, a method not for the country, missing method, another customer’s address', async () => {
    const p = ctx.platform;
    const { methodId, item } = await germanShop(p);
    const ch = await p.createShippingMethod({ name: 'Swiss Post', price: 9, countries: ['CH'] });
    const c = await p.createCustomer({ email: 'bad@example.com', name: 'Bad' });
    const other = await p.createCustomer({ email: 'other@example.com', name: 'Other' });
    const theirs = await p.addAddress(other, BERLIN);
    await p.addToCart(c, item, 1);
    const before = await snapshot(p);
    const unknown = await expectError(p.createOrder(c, { shippingAddress: { ...BERLIN, country: 'XX' }, shippingMethodId: methodId }), ValidationError, 'validation_failed', 'country');
    expect(unknown.details[0]!.path).toBe('shippingAddress.country');
    const notHere = await expectError(p.createOrder(c, { shippingAddress: BERLIN, shippingMethodId: ch.id }), ValidationError, 'validation_failed', 'method');
    expect(notHere.details[0]!.path).toBe('shippingMethodId');
    const missing = await expectError(p.createOrder(c, { shippingAddress: BERLIN }), ValidationError, 'validation_failed', 'no method');
    expect(missing.details[0]!.path).toBe('shippingMethodId');
    await expectError(p.createOrder(c, { shippingAddressId: theirs.id, shippingMethodId: methodId }), NotFoundError, 'not_found', 'their address');
    await expectError(p.createOrder(c, untyped({ shippingAddress: BERLIN, shippingAddressId: theirs.id })), ValidationError, 'validation_failed', 'both');
    await expectError(p.getCartSummary(c, { country: 'ZZ' }), ValidationError, 'validation_failed', 'summary country');
    await expectError(p.createTaxRate({ country: 'DE', ratePercent: -1, category: 'Food' }), ValidationError, 'validation_failed', 'negative rate');
    expect(await snapshot(p)).toEqual(before);
  });

  it('a guest checks out with email and address, gets a token that alone shows the order, and a retry with the key replays it', async () => {
    const p = ctx.platform;
    const { methodId, item } = await germanShop(p);
    const { token } = await p.createGuestCart();
    const guest = { guestToken: token };
    await p.addToCart(guest, item, 2);
    expect(await p.getCart(guest)).toHaveLength(1);
    const before = await snapshot(p);
    await expectError(p.checkout(guest, { shippingAddress: BERLIN, shippingMethodId: methodId }), ValidationError, 'validation_failed', 'no email');
    await expectError(p.checkout(guest, { email: 'guest@example.com', shippingMethodId: methodId }), ValidationError, 'validation_failed', 'no address');
    expect(await snapshot(p)).toEqual(before);
    const first = await p.checkout(guest, { email: 'Guest@Example.com', shippingAddress: BERLIN, shippingMethodId: methodId, idempotencyKey: 'k1' });
    expect(first.accessToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const again = await p.checkout(guest, { email: 'guest@example.com', shippingAddress: BERLIN, shippingMethodId: methodId, idempotencyKey: 'k1' });
    expect(again).toEqual({ ...first, replayed: true });
    const order = (await p.getGuestOrder(first.orderId, first.accessToken!))!;
    expect(order).toMatchObject({ email: 'guest@example.com', placedAsGuest: true, totalCents: 2975 });
    expect(await p.getGuestOrder(first.orderId, 'x'.repeat(43))).toBeNull();
    expect(await p.getGuestOrder(first.orderId + 1, first.accessToken!)).toBeNull();
    const stored = await p.query(`SELECT access_token_hash FROM orders WHERE id = ${p.db.dialect === 'sqlite' ? '?' : '$1'}`, [first.orderId]);
    expect(stored[0]!.access_token_hash).not.toBe(first.accessToken);
    expect(await p.getCart(guest)).toEqual([]);
    await expectError(p.checkout(guest, { email: 'guest@example.com', shippingAddress: BERLIN, shippingMethodId: methodId }), EmptyCartError, 'empty_cart', 'empty');
    await expectError(p.getCart({ guestToken: 'n'.repeat(43) }), NotFoundError, 'not_found', 'unknown token');
    await assertLedgerInvariant(p);
  });

  it('guest orders join the account of their email only once the email is confirmed; registering claims the guest row', async () => {
    const p = ctx.platform;
    const item = await p.addProduct({ name: 'Digital', price: 4, stock: 10 });
    const { token } = await p.createGuestCart();
    await p.addToCart({ guestToken: token }, item, 1);
    const { orderId } = await p.checkout({ guestToken: token }, { email: 'later@example.com', shippingAddress: BERLIN });
    const customerId = await p.createCustomer({ email: 'later@example.com', name: 'Later' });
    expect((await p.getOrder(orderId))!.customerId).toBe(customerId);
    expect(await p.getCustomerOrders(customerId)).toEqual([]);
    expect(await p.orders.getForCustomer(customerId, orderId)).toBeNull();
    await p.db.run('UPDATE customers SET email_verified_at = ? WHERE id = ?', [new Date().toISOString(), customerId]);
    expect((await p.getCustomerOrders(customerId)).map((o) => o.id)).toEqual([orderId]);
  });

  it('a guest cart merges into the account: quantities add, capped by stock; the guest cart is gone', async () => {
    const p = ctx.platform;
    const a = await p.addProduct({ name: 'A', price: 1, stock: 5 });
    const b = await p.addProduct({ name: 'B', price: 1, stock: 5 });
    const c = await p.createCustomer({ email: 'merge@example.com', name: 'Merge' });
    await p.addToCart(c, a, 4);
    const { token } = await p.createGuestCart();
    await p.addToCart({ guestToken: token }, a, 3);
    await p.addToCart({ guestToken: token }, b, 2);
    await p.mergeGuestCart(token, c);
    expect((await p.getCart(c)).map((l) => [l.productId, l.quantity])).toEqual([
      [a, 5],
      [b, 2],
    ]);
    await expectError(p.getCart({ guestToken: token }), NotFoundError, 'not_found', 'merged away');
    await p.mergeGuestCart(token, c); // an unknown token merges nothing
  });

  it('a cart line never exceeds the largest quantity, after adds or merges', async () => {
    const p = ctx.platform;
    const bulk = await p.addProduct({ name: 'Screws', price: 0.01, stock: 3_000_000 });
    const c = await p.createCustomer({ email: 'bulk@example.com', name: 'Bulk' });
    await p.addToCart(c, bulk, 900_000);
    const over = await expectError(p.addToCart(c, bulk, 200_000), ValidationError, 'validation_failed', 'add past the maximum');
    expect(over.details[0]!.path).toBe('quantity');
    const { token } = await p.createGuestCart();
    await p.addToCart({ guestToken: token }, bulk, 900_000);
    await p.mergeGuestCart(token, c);
    expect((await p.getCart(c))[0]!.quantity).toBe(1_000_000);
  });

  it('the cleanup job removes guest carts untouched for 30 days', async () => {
    const p = ctx.platform;
    const item = await p.addProduct({ name: 'A', price: 1, stock: 5 });
    const old = await p.createGuestCart();
    const fresh = await p.createGuestCart();
    await p.addToCart({ guestToken: old.token }, item, 1);
    await p.addToCart({ guestToken: fresh.token }, item, 1);
    await p.db.run('UPDATE guest_carts SET touched_at = ? WHERE id = (SELECT MIN(id) FROM guest_carts)', [new Date(Date.now() - 31 * 86400_000).toISOString()]);
    expect((await cleanupExpired(p.db)).guestCarts).toBe(1);
    await expectError(p.getCart({ guestToken: old.token }), NotFoundError, 'not_found', 'old cart');
    expect(await p.getCart({ guestToken: fresh.token })).toHaveLength(1);
    expect(await p.query('SELECT COUNT(*) AS n FROM cart_items')).toEqual([{ n: 1 }]);
  });
});
