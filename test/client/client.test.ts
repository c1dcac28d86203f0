import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

describe.each(backends)('the typed client against a real server on $name', (backend) => {
  let s: TestServer;
  let mug: number;
  beforeEach(async () => {
    s = await startTestServer(backend);
    const admin = createClient({ baseUrl: s.url, token: (await s.admin()).token });
    const made = await admin.POST('/api/products', { body: { name: 'Mug', priceCents: 1250, stock: 5, category: 'Kitchen' } });
    expect(made.response.status).toBe(201);
    mug = made.data!.product.id;
  });
  afterEach(async () => s.close());

  it('register → browse → cart → checkout → order history → an admin status move', async () => {
    const client = createClient({ baseUrl: `${s.url}/` });
    const reg = await client.POST('/api/auth/register', { body: { email: 'grace@example.com', name: 'Grace', password: 'compiler compiler' } });
    expect(reg.response.status).toBe(201);
    expect(client.token).toBe(reg.data!.token);

    const me = await client.GET('/api/me');
    expect(me.data!.customer.email).toBe('grace@example.com');

    const browse = await client.GET('/api/products', { params: { query: { category: 'Kitchen' } } });
    expect(browse.data!.items.map((p) => p.name)).toEqual(['Mug']);
    const one = await client.GET('/api/products/{id}', { params: { path: { id: mug } } });
    expect(one.data!.product.priceCents).toBe(1250);

    const added = await client.POST('/api/cart/items', { body: { productId: mug, quantity: 2 } });
    expect(added.response.status).toBe(200);
    const cart = await client.GET('/api/cart');
    expect(cart.data!.items).toEqual([expect.objectContaining({ productId: mug, quantity: 2 })]);

    const checkout = await client.POST('/api/orders');
    expect(checkout.response.status).toBe(201);
    const orderId = checkout.data!.order.id;
    expect(checkout.data!.order.totalCents).toBe(2500);

    const history = await client.GET('/api/orders');
    expect(history.data!.items.map((o) => o.id)).toEqual([orderId]);

    const admin = createClient({ baseUrl: s.url });
    const signedIn = await admin.POST('/api/auth/login', { body: { email: (await s.platform.db.get<{ email: string }>("SELECT email FROM customers WHERE email LIKE 'admin%'"))!.email, password: 'admin password 1' } });
    expect(signedIn.response.status).toBe(200);
    const paid = await client.POST('/api/orders/{id}/payments', { params: { path: { id: orderId } }, body: { provider: 'test', card: '4242424242424242' } });
    expect(paid.response.status).toBe(201);
    expect(paid.data!.order).toMatchObject({ paymentStatus: 'paid', paidCents: 2500 });
    const moved = await admin.POST('/api/admin/orders/{id}/status', { params: { path: { id: orderId } }, body: { status: 'processing' } });
    expect(moved.response.status).toBe(200);
    expect(moved.data!.order.status).toBe('processing');

    const mine = await client.GET('/api/orders/{id}', { params: { path: { id: orderId } } });
    expect(mine.data!.order.status).toBe('processing');
    await assertLedgerInvariant(s.platform);
  });

  it('answers errors in the typed error shape and forgets the token at logout', async () => {
    const client = createClient({ baseUrl: s.url });
    const anonymous = await client.GET('/api/me');
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error!.error.code).toBe('unauthorized');

    await client.POST('/api/auth/register', { body: { email: 'linus@example.com', name: 'Linus', password: 'a kernel of truth' } });
    const token = client.token;
    expect(token).toEqual(expect.any(String));
    const tooMany = await client.POST('/api/cart/items', { body: { productId: mug, quantity: 6 } });
    expect(tooMany.response.status).toBe(409);
    expect(tooMany.error!.error.code).toBe('insufficient_stock');

    expect((await client.POST('/api/auth/logout')).response.status).toBe(204);
    expect(client.token).toBeUndefined();
    // The old token is revoked on the server too.
    const again = createClient({ baseUrl: s.url, token });
    expect((await again.GET('/api/me')).response.status).toBe(401);
  });
});
