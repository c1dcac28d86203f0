import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { startTestServer, tableCounts, type TestServer } from './helpers.js';

describe.each(backends)('checkout over HTTP on $name', (backend) => {
  let s: TestServer;
  let admin: string;
  beforeEach(async () => {
    s = await startTestServer(backend);
    admin = (await s.admin()).token;
  });
  afterEach(async () => s.close());

  const product = async (price: number, stock: number) =>
    (await s.call('POST', '/api/products', { token: admin, body: { name: `P${price}`, price, stock } })).body.product.id as number;

  it('Idempotency-Key: a retry replays the first response even after the cart changed; another body is a 422', async () => {
    const shopper = await s.shopper();
    const a = await product(10, 5);
    const b = await product(3.5, 5);
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: a, quantity: 2 } });
    const headers = { 'idempotency-key': 'order-7f3a' };
    const first = await s.call('POST', '/api/orders', { token: shopper.token, headers, body: { expectedTotalCents: 2000 } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // The cart changes, then the client retries the same request: the first response comes back.
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: b, quantity: 1 } });
    const counts = await tableCounts(s.platform);
    const retry = await s.call('POST', '/api/orders', { token: shopper.token, headers, body: { expectedTotalCents: 2000 } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    // Body fields in another order are the same request.
    expect((await s.call('POST', '/api/orders', { token: shopper.token, headers, raw: '{ "expectedTotalCents" : 2000 }' })).status).toBe(201);

    const mismatch = await s.call('POST', '/api/orders', { token: shopper.token, headers, body: { expectedTotalCents: 350 } });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('idempotency_mismatch');
    const noBody = await s.call('POST', '/api/orders', { token: shopper.token, headers });
    expect(noBody.status).toBe(422);
    expect(await tableCounts(s.platform)).toEqual(counts);
    expect((await s.call('GET', '/api/cart', { token: shopper.token })).body.items.map((i: { productId: number }) => i.productId)).toEqual([b]);

    // The key belongs to its customer: another customer may use the same key for their own order.
    const other = await s.shopper();
    await s.call('POST', '/api/cart/items', { token: other.token, body: { productId: b, quantity: 1 } });
    const theirs = await s.call('POST', '/api/orders', { token: other.token, headers, body: { expectedTotalCents: 350 } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.order.id).not.toBe(first.body.order.id);

    // A failed attempt stores nothing: after fixing the cart, the same key can succeed.
    const fresh = { 'idempotency-key': 'order-second' };
    await s.call('DELETE', '/api/cart', { token: shopper.token });
    expect((await s.call('POST', '/api/orders', { token: shopper.token, headers: fresh })).status).toBe(422);
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: b, quantity: 2 } });
    const second = await s.call('POST', '/api/orders', { token: shopper.token, headers: fresh });
    expect(second.status).toBe(201);
    expect(second.body.order.totalCents).toBe(700);
    expect((await s.call('GET', `/api/products/${a}`)).body.product.stock).toBe(3);
    await assertLedgerInvariant(s.platform);
  });

  it('concurrent retries with one key make one order', async () => {
    const shopper = await s.shopper();
    const a = await product(4, 100);
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: a, quantity: 3 } });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => s.call('POST', '/api/orders', { token: shopper.token, headers: { 'idempotency-key': 'double-click' } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.order.id)).size).toBe(1);
    expect((await s.call('GET', `/api/products/${a}`)).body.product.stock).toBe(97);
    expect((await s.call('GET', '/api/orders', { token: shopper.token })).body.items).toHaveLength(1);
  });

  it('100 concurrent shoppers race for stock 30: exactly 30 orders, every other checkout a clean 409', async () => {
    const hot = await product(19.99, 30);
    const shoppers = await Promise.all(Array.from({ length: 100 }, (_, i) => s.shopper(`Racer ${i}`)));
    // Carts are filled while stock lasts, so the race is decided at checkout.
    const carts = await Promise.all(shoppers.map((sh) => s.call('POST', '/api/cart/items', { token: sh.token, body: { productId: hot, quantity: 1 } })));
    expect(carts.every((c) => c.status === 200)).toBe(true);
    const results = await Promise.all(shoppers.map((sh) => s.call('POST', '/api/orders', { token: sh.token })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(created).toHaveLength(30);
    expect(refused).toHaveLength(70);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'insufficient_stock', details: { productId: hot, available: 0, requested: 1 } });
    }
    expect((await s.call('GET', `/api/products/${hot}`)).body.product.stock).toBe(0);
    const orders = await s.call('GET', '/api/admin/orders?limit=100', { token: admin });
    expect(orders.body.items).toHaveLength(30);
    // The losers keep their carts; the winners' are empty.
    const winnerIds = new Set(created.map((r) => r.body.order.customerId));
    for (const sh of shoppers.slice(0, 10)) {
      const cart = (await s.call('GET', '/api/cart', { token: sh.token })).body;
      expect(cart.itemCount).toBe(winnerIds.has(sh.id) ? 0 : 1);
    }
    await assertLedgerInvariant(s.platform);
  });
});
