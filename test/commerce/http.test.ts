import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../src/http/demo-catalog.js';
import { backends } from '../backends.js';
import { startTestServer, tableCounts, type TestServer } from '../http/helpers.js';
import { assertLedgerInvariant } from '../invariants.js';

const ADDRESS = { name: 'Guest Person', line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe.each(backends)('commerce over HTTP on $name', (backend) => {
  let s: TestServer;
  let admin: { token: string; id: number };
  let shirt: { id: number; variants: { id: number; sku: string; title: string }[] };
  let methodId: number;
  beforeAll(async () => {
    s = await startTestServer(backend);
    admin = await s.admin();
    const created = await s.call('POST', '/api/products', {
      token: admin.token,
      body: {
        name: 'Tee',
        price: 10,
        options: [{ name: 'Size', values: ['S', 'M'] }],
        variants: [
          { sku: 'TEE-S', options: { Size: 'S' }, stock: 5 },
          { sku: 'TEE-M', options: { Size: 'M' }, stock: 5 },
        ],
      },
    });
    expect(created.status).toBe(201);
    shirt = created.body.product;
    methodId = (await s.call('POST', '/api/admin/shipping-methods', { token: admin.token, body: { name: 'Parcel', price: 5, countries: ['DE'] } })).body.shippingMethod.id;
    expect((await s.call('POST', '/api/admin/tax-rates', { token: admin.token, body: { country: 'DE', ratePercent: 19 } })).status).toBe(201);
  });
  afterAll(async () => s.close());

  it('admin variant routes, the shop settings, option filters and SKU search', async () => {
    expect((await s.call('GET', '/api/shop')).body).toEqual({ currency: 'USD', decimals: 2, pricesIncludeTax: false });
    const added = await s.call('POST', `/api/products/${shirt.id}/variants`, { token: admin.token, body: { sku: 'TEE-X', options: { Size: 'M' } } });
    expect(added.status).toBe(409);
    expect(added.body.error.code).toBe('conflict');
    const bad = await s.call('POST', `/api/products/${shirt.id}/variants`, { token: admin.token, body: { sku: 'TEE-XL', options: { Size: 'XL' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const dup = await s.call('POST', '/api/products', {
      token: admin.token,
      body: { name: 'Dup', price: 1, options: [{ name: 'Size', values: ['S'] }], variants: [{ sku: 'TEE-S', options: { Size: 'S' } }] },
    });
    expect(dup.status).toBe(409);
    const patched = await s.call('PATCH', `/api/variants/${shirt.variants[1]!.id}`, { token: admin.token, body: { price: 12 } });
    expect(patched.body.variant).toMatchObject({ sku: 'TEE-M', priceCents: 1200 });
    const stock = await s.call('POST', `/api/variants/${shirt.variants[1]!.id}/stock`, { token: admin.token, body: { delta: 2, reason: 'restock' } });
    expect(stock.body).toEqual({ variantId: shirt.variants[1]!.id, stock: 7 });
    expect((await s.call('GET', `/api/variants/${shirt.variants[1]!.id}`)).body.variant.stock).toBe(7);
    expect((await s.call('GET', '/api/variants/999999')).status).toBe(404);
    expect((await s.call('GET', '/api/products?option.Size=M')).body.items.map((p: { id: number }) => p.id)).toEqual([shirt.id]);
    expect((await s.call('GET', '/api/products?option.Size=XL')).body.items).toEqual([]);
    expect((await s.call('GET', '/api/products?q=TEE-M')).body.items.map((p: { id: number }) => p.id)).toEqual([shirt.id]);
    const inventory = await s.call('GET', `/api/products/${shirt.id}/inventory`, { token: admin.token });
    expect(inventory.body.items.at(-1)).toMatchObject({ variantId: shirt.variants[1]!.id, delta: 2 });
    const doc = (await s.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.components?.schemas ?? {}).length + Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(JSON.stringify(doc.paths['/api/orders'].post)).toContain('shippingAddress');
    expect(JSON.stringify(doc.paths['/api/products/{id}'].get)).toContain('variants');
  });

  it('a guest: the first add creates a cart with a token, cookie writes need the CSRF token, checkout returns an access token', async () => {
    const [small] = shirt.variants;
    const choose = await s.call('POST', '/api/cart/items', { body: { productId: shirt.id, quantity: 1 } });
    expect(choose.status).toBe(400);
    expect(choose.body.error.details[0].message).toContain('TEE-S');
    const first = await s.call('POST', '/api/cart/items', { body: { productId: shirt.id, variantId: small!.id, quantity: 2 } });
    expect(first.status).toBe(200);
    const token = first.headers.get('x-cart-token')!;
    const csrf = first.headers.get('x-csrf-token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sk_cart=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(first.body).toMatchObject({ itemCount: 2, subtotalCents: 2000, currency: 'USD', country: null, shippingCents: null });
    expect(first.body.items[0]).toMatchObject({ variantId: small!.id, sku: 'TEE-S', variantTitle: 'S' });
    const stored = await s.platform.query('SELECT token_hash FROM guest_carts');
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    const viaCookie = { cookie: `sk_cart=${token}` };
    expect((await s.call('GET', '/api/cart', { headers: viaCookie })).body.itemCount).toBe(2);
    const forged = await s.call('POST', '/api/cart/items', { headers: viaCookie, body: { productId: shirt.id, variantId: small!.id, quantity: 1 } });
    expect(forged.status).toBe(403);
    const counts = await tableCounts(s.platform);
    const forgedOrder = await s.call('POST', '/api/orders', { headers: viaCookie, body: { email: 'g@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId } });
    expect(forgedOrder.status).toBe(403);
    expect(await tableCounts(s.platform)).toEqual(counts);
    const withCsrf = await s.call('POST', '/api/cart/items', { headers: { ...viaCookie, 'x-csrf-token': csrf }, body: { productId: shirt.id, variantId: small!.id, quantity: 1 } });
    expect(withCsrf.body.itemCount).toBe(3);
    await s.call('PATCH', `/api/cart/items/${shirt.id}?variantId=${small!.id}`, { headers: { 'x-cart-token': token }, body: { quantity: 2 } });

    const summary = await s.call('GET', '/api/cart?country=DE', { headers: { 'x-cart-token': token } });
    expect(summary.body).toMatchObject({ country: 'DE', shippingMethodId: methodId, shippingCents: 500, taxCents: 475, totalCents: 2975 });
    expect(summary.body.lines[0]).toMatchObject({ taxCents: 380, taxRatePercent: 19 });
    expect((await s.call('GET', '/api/cart/shipping-methods?country=DE', { headers: { 'x-cart-token': token } })).body.items).toEqual([
      { methodId, name: 'Parcel', priceCents: 500 },
    ]);
    expect((await s.call('GET', '/api/cart/shipping-methods?country=FR', { headers: { 'x-cart-token': token } })).body.items).toEqual([]);
    expect((await s.call('GET', '/api/cart/shipping-methods?country=QQ', { headers: { 'x-cart-token': token } })).status).toBe(400);

    const before = await tableCounts(s.platform);
    const noEmail = await s.call('POST', '/api/orders', { headers: { 'x-cart-token': token }, body: { shippingAddress: ADDRESS, shippingMethodId: methodId } });
    expect(noEmail.status).toBe(400);
    const badCountry = await s.call('POST', '/api/orders', {
      headers: { 'x-cart-token': token },
      body: { email: 'g@example.com', shippingAddress: { ...ADDRESS, country: 'XX' }, shippingMethodId: methodId },
    });
    expect(badCountry.status).toBe(400);
    expect(badCountry.body.error.details[0].path).toBe('shippingAddress.country');
    expect(await tableCounts(s.platform)).toEqual(before);
    const placed = await s.call('POST', '/api/orders', {
      headers: { 'x-cart-token': token, 'idempotency-key': 'guest-1' },
      body: { email: 'guest@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ placedAsGuest: true, email: 'guest@example.com', totalCents: 2975, taxCents: 475, currency: 'USD' });
    expect(placed.body.order.items[0]).toMatchObject({ variantId: small!.id, sku: 'TEE-S', variantTitle: 'S', taxCents: 380 });
    const accessToken = placed.body.accessToken as string;
    const replay = await s.call('POST', '/api/orders', {
      headers: { 'x-cart-token': token, 'idempotency-key': 'guest-1' },
      body: { email: 'guest@example.com', shippingAddress: ADDRESS, shippingMethodId: methodId },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(placed.body);
    const stored2 = await s.platform.query('SELECT body FROM idempotent_responses');
    expect(JSON.stringify(stored2)).not.toContain(accessToken);

    const id = placed.body.order.id;
    expect((await s.call('GET', `/api/orders/${id}`, { headers: { 'x-order-token': accessToken } })).body.order.id).toBe(id);
    expect((await s.call('GET', `/api/orders/${id}?token=${accessToken}`)).status).toBe(200);
    const wrong = await s.call('GET', `/api/orders/${id}?token=${'A'.repeat(43)}`);
    const missing = await s.call('GET', `/api/orders/${id + 1000}?token=${'A'.repeat(43)}`);
    expect(wrong.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(wrong.body.error.code).toBe(missing.body.error.code);
    expect(wrong.body.error.message.replace(String(id), '#')).toBe(missing.body.error.message.replace(String(id + 1000), '#'));
    expect((await s.call('GET', `/api/orders/${id}`)).status).toBe(401);
    const stranger = await s.shopper('Stranger');
    expect((await s.call('GET', `/api/orders/${id}`, { token: stranger.token })).status).toBe(404);
    await assertLedgerInvariant(s.platform);
  });

  it('login with a guest cart merges it into the account, capped by stock, and clears the cart cookie', async () => {
    const shopper = await s.shopper('Merger');
    const [, medium] = shirt.variants;
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: shirt.id, variantId: medium!.id, quantity: 5 } });
    const guest = await s.call('POST', '/api/cart/items', { body: { productId: shirt.id, variantId: medium!.id, quantity: 4 } });
    const token = guest.headers.get('x-cart-token')!;
    const login = await s.call('POST', '/api/auth/login', { headers: { 'x-cart-token': token }, body: { email: shopper.email, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toContain('sk_cart=;');
    const cart = await s.call('GET', '/api/cart', { token: shopper.token });
    const stock = (await s.call('GET', `/api/variants/${medium!.id}`)).body.variant.stock as number;
    expect(cart.body.items).toEqual([expect.objectContaining({ variantId: medium!.id, quantity: Math.min(9, stock) })]);
    expect((await s.call('GET', '/api/cart', { headers: { 'x-cart-token': token } })).status).toBe(404);
  });

  it('the demo catalog has a product with sizes, a shipping method and a tax rate', async () => {
    const demo = await startTestServer(backend, { extraRoutes: [] });
    try {
      expect(await loadDemoCatalog(demo.platform)).toBeGreaterThan(1);
      const tee = (await demo.call('GET', '/api/products?option.Size=M')).body.items;
      expect(tee).toHaveLength(1);
      expect(tee[0].variants.map((x: { sku: string }) => x.sku)).toEqual(['TEE-S', 'TEE-M', 'TEE-L']);
      expect(await demo.platform.listShippingMethods()).toHaveLength(1);
      expect((await demo.platform.listTaxRates()).map((r) => r.country)).toContain('DE');
      await assertLedgerInvariant(demo.platform);
    } finally {
      await demo.close();
    }
  });
});
