import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { startTestServer, tableCounts, type TestServer } from './helpers.js';

type Level = 'public' | 'customer' | 'admin';
interface RouteCase {
  method: string;
  /** OpenAPI path; `{id}` and `{productId}` are filled from the fixtures. */
  path: string;
  level: Level;
  body?: (f: Fixtures) => unknown;
  /** For routes on the caller's own data: which fixture id goes in the path; another customer must get 404. */
  owned?: 'order' | 'cartLine';
}
interface Fixtures {
  productId: number;
  orderId: number;
  customerId: number;
  email: string;
}

/** Every API route with who may call it. The test below checks this list against the OpenAPI document, so a new route must be added here. */
const ROUTES: RouteCase[] = [
  { method: 'POST', path: '/api/auth/register', level: 'public', body: () => ({ email: `m${Math.random()}@example.com`, name: 'M', password: 'long enough pw' }) },
  { method: 'POST', path: '/api/auth/login', level: 'public', body: (f) => ({ email: f.email, password: 'correct horse battery' }) },
  { method: 'POST', path: '/api/auth/logout', level: 'customer' },
  { method: 'GET', path: '/api/me', level: 'customer' },
  { method: 'PATCH', path: '/api/me', level: 'customer', body: () => ({ address: 'Somewhere' }) },
  { method: 'GET', path: '/api/products', level: 'public' },
  { method: 'GET', path: '/api/products/{id}', level: 'public' },
  { method: 'GET', path: '/api/categories', level: 'public' },
  { method: 'POST', path: '/api/products', level: 'admin', body: () => ({ name: 'New', price: 1, stock: 1 }) },
  { method: 'PATCH', path: '/api/products/{id}', level: 'admin', body: () => ({ description: 'changed' }) },
  { method: 'POST', path: '/api/products/{id}/stock', level: 'admin', body: () => ({ delta: 1, reason: 'restock' }) },
  { method: 'GET', path: '/api/products/{id}/inventory', level: 'admin' },
  { method: 'GET', path: '/api/cart', level: 'customer' },
  // Anyone: without a session the first add creates a guest cart (its token comes back).
  { method: 'POST', path: '/api/cart/items', level: 'public', body: (f) => ({ productId: f.productId, quantity: 1 }) },
  { method: 'PATCH', path: '/api/cart/items/{productId}', level: 'customer', body: () => ({ quantity: 1 }), owned: 'cartLine' },
  { method: 'DELETE', path: '/api/cart/items/{productId}', level: 'customer', owned: 'cartLine' },
  { method: 'DELETE', path: '/api/cart', level: 'customer' },
  { method: 'POST', path: '/api/orders', level: 'customer' },
  { method: 'GET', path: '/api/orders', level: 'customer' },
  { method: 'GET', path: '/api/orders/{id}', level: 'customer', owned: 'order' },
  { method: 'POST', path: '/api/orders/{id}/cancel', level: 'customer', owned: 'order' },
  { method: 'GET', path: '/api/admin/orders', level: 'admin' },
  { method: 'GET', path: '/api/admin/orders/{id}', level: 'admin' },
  { method: 'POST', path: '/api/admin/orders/{id}/status', level: 'admin', body: () => ({ status: 'processing' }) },
  { method: 'GET', path: '/api/admin/customers', level: 'admin' },
  { method: 'GET', path: '/api/admin/customers/{id}', level: 'admin' },
  { method: 'GET', path: '/api/admin/reports/top-customers', level: 'admin' },
  { method: 'GET', path: '/api/admin/reports/daily-sales', level: 'admin' },
  { method: 'GET', path: '/api/admin/reports/low-stock', level: 'admin' },
  { method: 'GET', path: '/api/admin/reports/pending-orders', level: 'admin' },
];

/**
 * Routes of the shopping features (reviews, prices, discounts, images), tested in depth by their
 * own suites; here only the gate: anonymous → 401 and customer → 403 where they must be, decided
 * before any input is read.
 */
const FEATURE_ROUTES: Array<[string, string, Level]> = [
  ['GET', '/api/products/{id}/reviews', 'public'],
  ['POST', '/api/products/{id}/reviews', 'customer'],
  ['PATCH', '/api/reviews/{id}', 'customer'],
  ['DELETE', '/api/reviews/{id}', 'customer'],
  ['POST', '/api/admin/reviews/{id}/hide', 'admin'],
  ['POST', '/api/admin/reviews/{id}/unhide', 'admin'],
  ['GET', '/api/products/{id}/price-history', 'admin'],
  ['POST', '/api/admin/discount-codes', 'admin'],
  ['GET', '/api/admin/discount-codes', 'admin'],
  ['PATCH', '/api/admin/discount-codes/{code}', 'admin'],
  ['POST', '/api/cart/discount', 'customer'],
  ['DELETE', '/api/cart/discount', 'customer'],
  ['POST', '/api/products/{id}/images', 'admin'],
  ['GET', '/api/products/{id}/images', 'public'],
  ['PATCH', '/api/products/{id}/images/{imageId}', 'admin'],
  ['DELETE', '/api/products/{id}/images/{imageId}', 'admin'],
  ['POST', '/api/auth/password-reset', 'public'],
  ['POST', '/api/auth/password-reset/confirm', 'public'],
  ['POST', '/api/auth/confirm-email', 'public'],
  ['GET', '/api/admin/notifications', 'admin'],
  ['POST', '/api/admin/notifications/{id}/retry', 'admin'],
  ['POST', '/api/admin/webhooks', 'admin'],
  ['GET', '/api/admin/webhooks', 'admin'],
  ['GET', '/api/admin/webhooks/{id}', 'admin'],
  ['PATCH', '/api/admin/webhooks/{id}', 'admin'],
  ['DELETE', '/api/admin/webhooks/{id}', 'admin'],
  ['GET', '/api/admin/webhooks/{id}/deliveries', 'admin'],
  ['GET', '/api/admin/mailbox', 'admin'],
  ['GET', '/api/admin/mailbox/{id}', 'admin'],
  ['GET', '/api/me/addresses', 'customer'],
  ['POST', '/api/me/addresses', 'customer'],
  ['PATCH', '/api/me/addresses/{id}', 'customer'],
  ['DELETE', '/api/me/addresses/{id}', 'customer'],
  ['POST', '/api/admin/shipping-methods', 'admin'],
  ['GET', '/api/admin/shipping-methods', 'admin'],
  ['PATCH', '/api/admin/shipping-methods/{id}', 'admin'],
  ['POST', '/api/admin/tax-rates', 'admin'],
  ['GET', '/api/admin/tax-rates', 'admin'],
  ['PATCH', '/api/admin/tax-rates/{id}', 'admin'],
  ['DELETE', '/api/admin/tax-rates/{id}', 'admin'],
  ['GET', '/api/cart/shipping-methods', 'customer'],
  ['GET', '/api/shop', 'public'],
  ['GET', '/api/variants/{id}', 'public'],
  ['POST', '/api/products/{id}/variants', 'admin'],
  ['PATCH', '/api/variants/{id}', 'admin'],
  ['POST', '/api/variants/{id}/stock', 'admin'],
  ['POST', '/api/orders/{id}/payments', 'customer'],
  ['POST', '/api/admin/orders/{id}/capture', 'admin'],
  ['POST', '/api/admin/orders/{id}/refunds', 'admin'],
  ['POST', '/api/payments/stripe/webhook', 'public'],
  ['POST', '/api/payments/test/webhook', 'public'],
];

describe.each(backends)('authorisation on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => s.close());

  it('the route table covers every API route in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/api/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const listed = [...ROUTES.map((r) => `${r.method} ${r.path}`), ...FEATURE_ROUTES.map(([m, p]) => `${m} ${p}`)];
    expect(listed.sort()).toEqual(documented);
  });

  it('feature routes: anonymous → 401 and customer → 403 where declared, before reading any input', async () => {
    const shopper = await s.shopper();
    for (const [method, path, level] of FEATURE_ROUTES) {
      const url = path.replace(/\{[a-zA-Z]+\}/g, '1');
      const body = method === 'GET' ? undefined : {};
      const anonymous = await s.call(method, url, { body });
      if (level === 'public') expect([401, 403], `${method} ${path}`).not.toContain(anonymous.status);
      else expect(anonymous.status, `${method} ${path}`).toBe(401);
      const customer = await s.call(method, url, { token: shopper.token, body });
      if (level === 'admin') expect(customer.status, `${method} ${path}`).toBe(403);
      else expect([401, 403], `${method} ${path}`).not.toContain(customer.status);
    }
  });

  it('anonymous → 401, customer on admin routes → 403, another customer’s order or cart line → 404, admin everywhere', async () => {
    const admin = await s.admin();
    const owner = await s.shopper('Owner');
    const other = await s.shopper('Other');
    const productId = (await s.call('POST', '/api/products', { token: admin.token, body: { name: 'P', price: 5, stock: 1000 } })).body.product.id;
    const fixturesFor = async (who: { token: string; id: number; email: string }): Promise<Fixtures> => {
      await s.call('POST', '/api/cart/items', { token: who.token, body: { productId, quantity: 1 } });
      const orderId = (await s.call('POST', '/api/orders', { token: who.token })).body.order.id;
      await s.call('POST', '/api/cart/items', { token: who.token, body: { productId, quantity: 1 } });
      return { productId, orderId, customerId: who.id, email: who.email };
    };
    const fill = (path: string, f: Fixtures) => path.replace('{productId}', String(f.productId)).replace('{id}', String(path.includes('/orders/') ? f.orderId : path.includes('/customers/') ? f.customerId : f.productId));

    for (const route of ROUTES) {
      const f = await fixturesFor(owner);
      const url = fill(route.path, f);
      const label = `${route.method} ${route.path}`;
      const send = (token?: string) => s.call(route.method, url, { token, body: route.body?.(f) });

      const anonymous = await send();
      if (route.level === 'public') expect([401, 403], label).not.toContain(anonymous.status);
      else expect(anonymous.status, label).toBe(401);

      if (route.owned) {
        // Another customer: their own cart holds nothing of this product and the order is not theirs.
        await s.call('DELETE', '/api/cart', { token: other.token });
        const foreign = await send(other.token);
        expect(foreign.status, `${label} as another customer`).toBe(404);
        expect(JSON.stringify(foreign.body), label).not.toContain('Owner');
      }

      // Logging out revokes the token it is sent with: spend a second session of the owner on it.
      const spare = async () => (await s.call('POST', '/api/auth/login', { body: { email: owner.email, password: 'correct horse battery' } })).body.token as string;
      const customer = await send(route.level === 'public' ? undefined : route.path === '/api/auth/logout' ? await spare() : owner.token);
      if (route.level === 'admin') expect(customer.status, label).toBe(403);
      else expect(customer.status, `${label} as the customer: ${JSON.stringify(customer.body)}`).toBeLessThan(400);

      const asAdmin = await send(route.path === '/api/auth/logout' ? (await s.admin()).token : admin.token);
      expect([401, 403], `${label} as admin`).not.toContain(asAdmin.status);
    }
  });
});

describe.each(backends)('sessions and rate limits on $name', (backend) => {
  let s: TestServer;
  afterEach(async () => s.close());

  it('a cookie session works for reads, and writes need the X-CSRF-Token from login', async () => {
    s = await startTestServer(backend);
    const shopper = await s.shopper();
    const admin = await s.admin();
    const productId = (await s.call('POST', '/api/products', { token: admin.token, body: { name: 'P', price: 5, stock: 10 } })).body.product.id;
    const login = await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'correct horse battery' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe(`sk_session=${login.body.token}`);

    expect((await s.call('GET', '/api/cart', { headers: { cookie } })).status).toBe(200);
    const before = await tableCounts(s.platform);
    const forged = await s.call('POST', '/api/cart/items', { headers: { cookie }, body: { productId, quantity: 1 } });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('forbidden');
    const wrong = await s.call('POST', '/api/cart/items', { headers: { cookie, 'x-csrf-token': shopper.csrfToken }, body: { productId, quantity: 1 } });
    expect(wrong.status).toBe(403); // the CSRF token of another session
    expect(await tableCounts(s.platform)).toEqual(before);
    const ok = await s.call('POST', '/api/cart/items', { headers: { cookie, 'x-csrf-token': login.body.csrfToken }, body: { productId, quantity: 1 } });
    expect(ok.status).toBe(200);
    // A bearer token needs no CSRF token; an invalid bearer is refused even with a valid cookie.
    expect((await s.call('POST', '/api/cart/items', { token: login.body.token, body: { productId, quantity: 1 } })).status).toBe(200);
    expect((await s.call('GET', '/api/cart', { headers: { cookie, authorization: 'Bearer nonsense-token-nonsense-token' } })).status).toBe(401);
    // Logout by cookie clears the cookie and revokes the session.
    const out = await s.call('POST', '/api/auth/logout', { headers: { cookie, 'x-csrf-token': login.body.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await s.call('GET', '/api/cart', { headers: { cookie } })).status).toBe(401);
  });

  it('sessions expire', async () => {
    s = await startTestServer(backend, { auth: { sessionTtlMs: 300 } });
    const shopper = await s.shopper();
    expect((await s.call('GET', '/api/me', { token: shopper.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    const expired = await s.call('GET', '/api/me', { token: shopper.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it('rate limits login and register per IP: 429 with Retry-After', async () => {
    s = await startTestServer(backend, { authRateLimitPerMin: 3 });
    const attempt = () => s.call('POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'wrong password' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const before = await tableCounts(s.platform);
    const register = await s.call('POST', '/api/auth/register', { body: { email: 'new@example.com', name: 'N', password: 'long enough pw' } });
    expect(register.status).toBe(429);
    expect(await tableCounts(s.platform)).toEqual(before);
  });

  it('locks an account after 10 failed logins in 15 minutes, whatever the IP and even with the right password', async () => {
    // Different client addresses via X-Forwarded-For (trusted here), so the per-IP limit is not what answers.
    s = await startTestServer(backend, { trustProxy: true, authRateLimitPerMin: 5 });
    const shopper = await s.shopper();
    const login = (password: string, ip: string) =>
      s.call('POST', '/api/auth/login', { body: { email: shopper.email, password }, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 10; i++) expect((await login('wrong password', `10.0.0.${i}`)).status).toBe(401);
    const locked = await login('correct horse battery', '10.0.1.1');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Other accounts are unaffected.
    const other = await s.shopper();
    expect((await s.call('POST', '/api/auth/login', { body: { email: other.email, password: 'correct horse battery' }, headers: { 'x-forwarded-for': '10.0.2.1' } })).status).toBe(200);
  });

  it('a successful login clears earlier failures', async () => {
    s = await startTestServer(backend);
    const shopper = await s.shopper();
    const login = (password: string) => s.call('POST', '/api/auth/login', { body: { email: shopper.email, password } });
    for (let i = 0; i < 9; i++) expect((await login('wrong password')).status).toBe(401);
    expect((await login('correct horse battery')).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await login('wrong password')).status).toBe(401);
    expect((await login('correct horse battery')).status).toBe(200);
  });
});
