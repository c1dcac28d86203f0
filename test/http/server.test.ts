import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/http/server.js';
import { DEMO_PRODUCTS } from '../../src/http/demo-catalog.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from './helpers.js';

describe.each(backends)('server basics on $name', (backend) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer(backend);
  });
  afterEach(async () => s.close());

  it('answers /healthz and /readyz (the database answers a query)', async () => {
    expect(await s.call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await s.call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('gives every response a request id, and keeps one the client sent', async () => {
    const a = await s.call('GET', '/healthz');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const b = await s.call('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(b.headers.get('x-request-id')).toBe('trace-123');
    const c = await s.call('GET', '/healthz', { headers: { 'x-request-id': `${'x'.repeat(200)} {"forged":1}` } });
    expect(c.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves an OpenAPI 3.1 document of every API route, with security and the error shape', async () => {
    const r = await s.call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const paths = Object.keys(r.body.paths);
    for (const p of ['/api/auth/register', '/api/products', '/api/products/{id}', '/api/cart/items', '/api/orders', '/api/admin/orders/{id}/status', '/api/admin/reports/top-customers']) {
      expect(paths).toContain(p);
    }
    const checkout = r.body.paths['/api/orders'].post;
    // A session is optional here: a guest checks out with a cart token.
    expect(checkout.security).toEqual([{}, { bearerAuth: [] }, { cookieAuth: [] }]);
    expect(r.body.paths['/api/admin/orders'].get.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
    expect(Object.keys(checkout.responses)).toEqual(expect.arrayContaining(['201', '4XX']));
    expect(r.body.paths['/api/products'].get.security).toEqual([]);
    expect(r.body.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('serves the browsable reference at /docs', async () => {
    const page = await fetch(`${s.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('swagger');
    const bundle = await fetch(`${s.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    for (const path of ['/nope', '/api/nope', '/api/products/1/nope']) {
      const r = await s.call('GET', path);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
  });
});

describe('unexpected failures', () => {
  it('answer 500 internal without leaking the message, and a database that is gone makes /readyz 503', async () => {
    const s = await startTestServer(backends[0]!, {
      extraRoutes: [
        (app) =>
          app.get('/api/boom', { config: { auth: 'public' } }, async () => {
            throw new Error('secret connection string postgres://admin:hunter2@db');
          }),
      ],
    });
    try {
      const r = await s.call('GET', '/api/boom');
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
      await s.platform.close();
      const ready = await s.call('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect((await s.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe.each(backends)('startServer on $name', (backend) => {
  it('loads the demo catalog once, creates the admin from the options, listens and closes', async () => {
    const { url: databaseUrl, cleanup } = await backend.create();
    const options = { databaseUrl, port: 0, logger: false as const, handleSignals: false, adminEmail: 'boss@example.com', adminPassword: 'boss password' };
    try {
      const first = await startServer(options);
      const products = await (await fetch(`${first.url}/api/products?limit=100`)).json();
      expect(products.items).toHaveLength(DEMO_PRODUCTS.length + 1);
      const login = await fetch(`${first.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'boss@example.com', password: 'boss password' }),
      });
      expect(login.status).toBe(200);
      expect((await login.json()).role).toBe('admin');
      await first.close();
      // A second start on the same database neither reloads the catalog nor fails on the existing admin.
      const second = await startServer(options);
      expect((await (await fetch(`${second.url}/api/products?limit=100`)).json()).items).toHaveLength(DEMO_PRODUCTS.length + 1);
      await second.close();
    } finally {
      await cleanup();
    }
  });

  it('skips the demo catalog when asked', async () => {
    const { url: databaseUrl, cleanup } = await backend.create();
    try {
      const server = await startServer({ databaseUrl, port: 0, logger: false, handleSignals: false, demoData: false });
      expect((await (await fetch(`${server.url}/api/products`)).json()).items).toEqual([]);
      await server.close();
    } finally {
      await cleanup();
    }
  });
});
