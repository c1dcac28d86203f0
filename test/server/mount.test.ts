import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { createClient } from '../../src/client/index.js';
import type { EcommercePlatform } from '../../src/index.js';
import { createRequestHandler, storekeeperPlugin, type StorekeeperRequestHandler } from '../../src/server/index.js';
import { backends, openFresh } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';

const auth = { scryptCost: 1024 };

/** A shopper's checkout and an admin's status move, through the shop mounted at `base`. */
async function checkoutThrough(base: string, platform: EcommercePlatform): Promise<void> {
  await new AuthService(platform.db, auth).createAdmin({ email: 'owner@example.com', password: 'owner password 1' });
  const admin = createClient({ baseUrl: base });
  expect((await admin.POST('/api/auth/login', { body: { email: 'owner@example.com', password: 'owner password 1' } })).response.status).toBe(200);
  const made = await admin.POST('/api/products', { body: { name: 'Teapot', priceCents: 3400, stock: 3 } });
  expect(made.response.status).toBe(201);
  const teapot = made.data!.product.id;

  const shopper = createClient({ baseUrl: base });
  const reg = await shopper.POST('/api/auth/register', { body: { email: 'tea@example.com', name: 'Tea', password: 'earl grey hot' } });
  expect(reg.response.status).toBe(201);
  // The session cookie is scoped to the mounted API.
  expect(reg.response.headers.get('set-cookie')).toContain(`Path=${new URL(base).pathname.replace(/\/$/, '')}/api;`);
  expect((await shopper.GET('/api/products')).data!.items.map((p) => p.name)).toEqual(['Teapot']);
  expect((await shopper.POST('/api/cart/items', { body: { productId: teapot, quantity: 2 } })).response.status).toBe(200);
  const order = await shopper.POST('/api/orders');
  expect(order.response.status).toBe(201);
  expect(order.data!.order.totalCents).toBe(6800);
  const paid = await shopper.POST('/api/orders/{id}/payments', { params: { path: { id: order.data!.order.id } }, body: { card: '4242424242424242' } });
  expect(paid.data!.order.paymentStatus).toBe('paid');
  const moved = await admin.POST('/api/admin/orders/{id}/status', { params: { path: { id: order.data!.order.id } }, body: { status: 'processing' } });
  expect(moved.data!.order.status).toBe('processing');
  expect((await shopper.GET('/api/orders')).data!.items).toEqual([expect.objectContaining({ status: 'processing' })]);
  await assertLedgerInvariant(platform);
}

describe.each(backends)('mounted inside another app on $name', (backend) => {
  let platform: EcommercePlatform;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ platform, dispose } = await openFresh(backend));
  });
  afterEach(async () => dispose());

  describe('as a Fastify plugin under /shop', () => {
    let host: FastifyInstance;
    let url: string;
    beforeEach(async () => {
      host = Fastify();
      host.get('/', async () => ({ app: 'host' }));
      host.get('/boom', async () => {
        throw new Error('host failure');
      });
      await host.register(storekeeperPlugin, { platform, prefix: '/shop', auth, authRateLimitPerMin: 10_000 });
      url = await host.listen({ host: '127.0.0.1', port: 0 });
    });
    afterEach(async () => host.close());

    it('runs a checkout under the prefix', async () => {
      await checkoutThrough(`${url}/shop`, platform);
    });

    it('keeps its hooks, error shape and document to itself', async () => {
      expect(await (await fetch(`${url}/`)).json()).toEqual({ app: 'host' });
      // The host's errors stay the host's (Fastify's default shape), the shop's are the shop's.
      const hostError = (await (await fetch(`${url}/boom`)).json()) as Record<string, unknown>;
      expect(hostError).toMatchObject({ statusCode: 500, message: 'host failure' });
      const shopMissing = await fetch(`${url}/shop/api/nope`);
      expect(shopMissing.status).toBe(404);
      expect(((await shopMissing.json()) as { error: { code: string } }).error.code).toBe('not_found');
      expect((await fetch(`${url}/shop/api/me`)).status).toBe(401);
      const doc = (await (await fetch(`${url}/shop/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
      expect(doc.paths['/shop/api/products']!.get!.operationId).toBe('getProducts');
      expect(Object.keys(doc.paths).every((p) => p.startsWith('/shop/'))).toBe(true);
      expect((await fetch(`${url}/shop/healthz`)).status).toBe(200);
    });
  });

  describe('as a node:http request handler under /shop', () => {
    let handler: StorekeeperRequestHandler;
    let server: Server;
    let url: string;
    const listen = async (listener: Parameters<typeof createServer>[1]) => {
      server = createServer(listener);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    beforeEach(async () => {
      handler = await createRequestHandler({ platform, prefix: '/shop', auth, authRateLimitPerMin: 10_000 });
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
      await handler.close();
    });

    it('runs a checkout under the prefix', async () => {
      await listen(handler);
      await checkoutThrough(`${url}/shop/`, platform);
    });

    it('as middleware, passes requests outside the prefix on to next()', async () => {
      // The shape of Express's app.use(handler): (req, res, next).
      await listen((req, res) =>
        handler(req, res, () => {
          res.setHeader('content-type', 'text/plain');
          res.end('the host app');
        }),
      );
      expect(await (await fetch(`${url}/about`)).text()).toBe('the host app');
      expect(await (await fetch(`${url}/shopping`)).text()).toBe('the host app');
      expect(await (await fetch(`${url}/shop/healthz`)).json()).toEqual({ status: 'ok' });
      // Inside the prefix, an unknown page is the storefront's 404 page, an unknown API path the JSON error.
      const missing = await fetch(`${url}/shop/nope`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
      const missingApi = await fetch(`${url}/shop/api/nope`);
      expect(missingApi.status).toBe(404);
      expect(((await missingApi.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });

    it('routes on the full path when Express strips its mount path (req.originalUrl)', async () => {
      await listen((req, res) => {
        const full = req.url!;
        // What `expressApp.use('/shop', handler)` does before calling the handler.
        Object.assign(req, { originalUrl: full, url: full.slice('/shop'.length) || '/' });
        handler(req, res, () => res.end('not the shop'));
      });
      expect(await (await fetch(`${url}/shop/healthz`)).json()).toEqual({ status: 'ok' });
    });
  });
});
