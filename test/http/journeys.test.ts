import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { startTestServer, type TestServer } from './helpers.js';

describe.each(backends)('journeys over HTTP on $name', (backend) => {
  let s: TestServer;
  let admin: string;
  let laptop: number;
  let mouse: number;
  let book: number;
  beforeEach(async () => {
    s = await startTestServer(backend);
    admin = (await s.admin()).token;
    const add = async (body: object) => (await s.call('POST', '/api/products', { token: admin, body })).body.product.id as number;
    laptop = await add({ name: 'Laptop', price: 999.99, stock: 10, category: 'Electronics' });
    mouse = await add({ name: 'Mouse', priceCents: 2999, stock: 50, category: 'Electronics' });
    book = await add({ name: 'Book', price: 19.5, stock: 5, category: 'Books' });
  });
  afterEach(async () => s.close());

  it('shopper: register → browse → cart → checkout → history', async () => {
    const reg = await s.call('POST', '/api/auth/register', {
      body: { email: 'Ada@Example.com', name: 'Ada', password: 'analytical engine', address: '1 Loop Rd' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.customer).toMatchObject({ email: 'ada@example.com', name: 'Ada', address: '1 Loop Rd', phone: null });
    expect(reg.body.role).toBe('customer');
    expect(reg.body).not.toHaveProperty('customer.passwordHash');
    expect(JSON.stringify(reg.body)).not.toContain('scrypt');

    // Sign in again (a second session) and browse anonymously.
    const login = await s.call('POST', '/api/auth/login', { body: { email: 'ada@example.com', password: 'analytical engine' } });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/^sk_session=[\w-]+; Path=\/api; HttpOnly; SameSite=Strict; Max-Age=604800/);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const token = login.body.token as string;

    const categories = await s.call('GET', '/api/categories');
    expect(categories.body.items).toEqual([
      { name: 'Books', productCount: 1 },
      { name: 'Electronics', productCount: 2 },
    ]);
    const electronics = await s.call('GET', '/api/products?category=Electronics');
    expect(electronics.body.items.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Mouse']);
    expect(electronics.body.nextCursor).toBeNull();
    const one = await s.call('GET', `/api/products/${laptop}`);
    expect(one.body.product).toMatchObject({ id: laptop, name: 'Laptop', price: 999.99, priceCents: 99999, stock: 10 });

    // Pagination: one product per page, following nextCursor to the end.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: { status: number; body: { items: { name: string }[]; nextCursor: string | null } } = await s.call(
        'GET',
        `/api/products?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(pageOf.status).toBe(200);
      seen.push(...pageOf.body.items.map((p) => p.name));
      cursor = pageOf.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Laptop', 'Mouse', 'Book']);

    // Cart.
    let cart = await s.call('POST', '/api/cart/items', { token, body: { productId: laptop } });
    expect(cart.status).toBe(200);
    cart = await s.call('POST', '/api/cart/items', { token, body: { productId: mouse, quantity: 2 } });
    cart = await s.call('POST', '/api/cart/items', { token, body: { productId: mouse, quantity: 1 } });
    expect(cart.body.items).toHaveLength(2);
    expect(cart.body.items[1]).toMatchObject({ productId: mouse, quantity: 3, subtotalCents: 8997 });
    cart = await s.call('PATCH', `/api/cart/items/${mouse}`, { token, body: { quantity: 1 } });
    expect(cart.body.items[1].quantity).toBe(1);
    cart = await s.call('POST', '/api/cart/items', { token, body: { productId: book, quantity: 1 } });
    cart = await s.call('DELETE', `/api/cart/items/${book}`, { token });
    expect(cart.body).toMatchObject({ itemCount: 2, totalCents: 102998, total: 1029.98 });
    const fetched = await s.call('GET', '/api/cart', { token });
    expect(fetched.body).toEqual(cart.body);
    expect(fetched.headers.get('cache-control')).toBe('private, no-store');

    // Checkout.
    const placed = await s.call('POST', '/api/orders', { token, body: { expectedTotalCents: 102998 } });
    expect(placed.status).toBe(201);
    const order = placed.body.order;
    expect(order).toMatchObject({ status: 'pending', totalCents: 102998, totalAmount: 1029.98, customerEmail: 'ada@example.com' });
    expect(order.items).toHaveLength(2);
    expect(order.statusHistory.map((h: { status: string }) => h.status)).toEqual(['pending']);
    expect((await s.call('GET', '/api/cart', { token })).body).toMatchObject({ items: [], itemCount: 0, totalCents: 0 });
    expect((await s.call('GET', `/api/products/${laptop}`)).body.product.stock).toBe(9);

    // History: a second order, then the list newest first, paginated.
    await s.call('POST', '/api/cart/items', { token, body: { productId: book, quantity: 2 } });
    const second = await s.call('POST', '/api/orders', { token });
    expect(second.status).toBe(201);
    const history = await s.call('GET', '/api/orders?limit=1', { token });
    expect(history.body.items.map((o: { id: number }) => o.id)).toEqual([second.body.order.id]);
    const older = await s.call('GET', `/api/orders?limit=1&cursor=${history.body.nextCursor}`, { token });
    expect(older.body.items.map((o: { id: number }) => o.id)).toEqual([order.id]);
    expect(older.body.nextCursor).toBeNull();
    expect((await s.call('GET', `/api/orders/${order.id}`, { token })).body.order.id).toBe(order.id);

    // Cancel the second while pending: its stock comes back.
    const cancelled = await s.call('POST', `/api/orders/${second.body.order.id}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order.status).toBe('cancelled');
    expect((await s.call('GET', `/api/products/${book}`)).body.product.stock).toBe(5);

    // Profile, then logout revokes the token.
    const me = await s.call('PATCH', '/api/me', { token, body: { phone: '+44 20 7946 0000' } });
    expect(me.body.customer.phone).toBe('+44 20 7946 0000');
    expect((await s.call('GET', '/api/me', { token })).body.customer.phone).toBe('+44 20 7946 0000');
    expect((await s.call('POST', '/api/auth/logout', { token })).status).toBe(204);
    expect((await s.call('GET', '/api/me', { token })).status).toBe(401);
    // The registration's own session is a different one and still works.
    expect((await s.call('GET', '/api/me', { token: reg.body.token })).status).toBe(200);
    await assertLedgerInvariant(s.platform);
  });

  it('admin: products, stock, status changes, customers and reports', async () => {
    const shopper = await s.shopper('Grace');

    const created = await s.call('POST', '/api/products', {
      token: admin,
      body: { name: 'Monitor', description: '27 inch', price: 249.99, stock: 3, category: 'Electronics', imageUrl: 'https://example.com/m.png' },
    });
    expect(created.status).toBe(201);
    const monitor = created.body.product;
    expect(monitor).toMatchObject({ name: 'Monitor', price: 249.99, priceCents: 24999, stock: 3, imageUrl: 'https://example.com/m.png' });

    const patched = await s.call('PATCH', `/api/products/${monitor.id}`, { token: admin, body: { price: 199.99, stock: 8 } });
    expect(patched.body.product).toMatchObject({ priceCents: 19999, stock: 8 });
    const stocked = await s.call('POST', `/api/products/${monitor.id}/stock`, { token: admin, body: { delta: -2, reason: 'damaged' } });
    expect(stocked.body).toEqual({ productId: monitor.id, stock: 6 });
    const ledger = await s.call('GET', `/api/products/${monitor.id}/inventory`, { token: admin });
    expect(ledger.body.items.map((m: { delta: number; reason: string }) => [m.delta, m.reason])).toEqual([
      [3, 'initial stock'],
      [5, 'stock set'],
      [-2, 'damaged'],
    ]);

    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: monitor.id, quantity: 2 } });
    const order = (await s.call('POST', '/api/orders', { token: shopper.token })).body.order;

    const pending = await s.call('GET', '/api/admin/orders?status=pending', { token: admin });
    expect(pending.body.items.map((o: { id: number }) => o.id)).toEqual([order.id]);
    expect((await s.call('GET', '/api/admin/reports/pending-orders', { token: admin })).body.items).toEqual([
      expect.objectContaining({ orderId: order.id, customerId: shopper.id, totalCents: 39998, itemCount: 2 }),
    ]);
    expect((await s.call('POST', `/api/orders/${order.id}/payments`, { token: shopper.token, body: { provider: 'test', card: '4242424242424242' } })).status).toBe(201);
    for (const status of ['processing', 'shipped', 'delivered']) {
      const moved = await s.call('POST', `/api/admin/orders/${order.id}/status`, { token: admin, body: { status } });
      expect(moved.status).toBe(200);
      expect(moved.body.order.status).toBe(status);
    }
    const done = await s.call('GET', `/api/admin/orders/${order.id}`, { token: admin });
    expect(done.body.order.statusHistory.map((h: { status: string }) => h.status)).toEqual(['pending', 'processing', 'shipped', 'delivered']);
    // The customer cannot cancel it any more, nor can the admin.
    expect((await s.call('POST', `/api/orders/${order.id}/cancel`, { token: shopper.token })).body.error.code).toBe('invalid_status_transition');
    const refused = await s.call('POST', `/api/admin/orders/${order.id}/status`, { token: admin, body: { status: 'cancelled' } });
    expect(refused.status).toBe(409);

    const customers = await s.call('GET', '/api/admin/customers?limit=1', { token: admin });
    expect(customers.body.items).toHaveLength(1);
    expect(customers.body.nextCursor).toEqual(expect.any(String));
    const detail = await s.call('GET', `/api/admin/customers/${shopper.id}`, { token: admin });
    expect(detail.body).toMatchObject({ customer: { id: shopper.id, name: 'Grace' }, role: 'customer' });
    expect(detail.body.orders.map((o: { id: number }) => o.id)).toEqual([order.id]);

    const top = await s.call('GET', '/api/admin/reports/top-customers?limit=5', { token: admin });
    expect(top.body.items).toEqual([expect.objectContaining({ customerId: shopper.id, orderCount: 1, totalSpentCents: 39998, totalSpent: 399.98 })]);
    const daily = await s.call('GET', '/api/admin/reports/daily-sales', { token: admin });
    expect(daily.body.items).toEqual([expect.objectContaining({ orders: 1, revenueCents: 39998 })]);
    expect((await s.call('GET', '/api/admin/reports/daily-sales?status=pending', { token: admin })).body.items).toEqual([]);
    const low = await s.call('GET', '/api/admin/reports/low-stock?threshold=5', { token: admin });
    // Monitor is down to 4; Book has exactly 5, which is not below the threshold.
    expect(low.body.items.map((p: { productId: number; stock: number }) => [p.productId, p.stock])).toEqual([[monitor.id, 4]]);
    await assertLedgerInvariant(s.platform);
  });
});
