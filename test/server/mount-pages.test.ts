import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import type { EcommercePlatform } from '../../src/index.js';
import { createRequestHandler, storekeeperPlugin } from '../../src/server/index.js';
import { backends, openFresh } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { fillGuestCheckout, launchBrowser, seedShop } from '../storefront/browser.js';

/**
 * The storefront and the admin panel mounted under /shop inside a host app (issues 12 and 15): in a
 * Fastify host (storekeeperPlugin), an Express host and a plain node:http host (createRequestHandler).
 * Every URL the pages emit must stay under the prefix; the host's own routes and 404 stay the host's.
 */
const PREFIX = '/shop';
const auth = { scryptCost: 1024 };
const ADMIN = { email: 'owner@example.com', password: 'owner password 1' };
const SHOPPER = { email: 'crawler@example.com', name: 'Cora Crawler', password: 'correct horse battery' };

interface Host {
  /** The host's origin, e.g. http://127.0.0.1:4567 (the shop is at `${origin}/shop`). */
  origin: string;
  /** What the host answers for a path outside the shop it does not know. */
  hostNotFound: (res: Response) => Promise<void>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const HOSTS: { name: string; browser: boolean; start: (platform: EcommercePlatform) => Promise<Host> }[] = [
  {
    name: 'Fastify (storekeeperPlugin)',
    browser: true,
    async start(platform) {
      const host = Fastify();
      host.get('/', async () => ({ app: 'host' }));
      host.get('/about', async () => ({ page: 'about the host' }));
      await host.register(storekeeperPlugin, { platform, prefix: PREFIX, auth, authRateLimitPerMin: 10_000 });
      const origin = await host.listen({ host: '127.0.0.1', port: 0 });
      return {
        origin,
        async hostNotFound(res) {
          // Fastify's own 404 shape, not the shop's { error: { code } } nor its HTML page.
          expect(res.status).toBe(404);
          expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
        },
        close: () => host.close(),
      };
    },
  },
  {
    name: 'Express (createRequestHandler)',
    browser: true,
    async start(platform) {
      const handler = await createRequestHandler({ platform, prefix: PREFIX, auth, authRateLimitPerMin: 10_000 });
      const app = express();
      app.get('/', (_req, res) => {
        res.json({ app: 'host' });
      });
      app.get('/about', (_req, res) => {
        res.json({ page: 'about the host' });
      });
      app.use(PREFIX, handler);
      app.use((_req, res) => {
        res.status(404).type('text/plain').send('host 404');
      });
      const server = createServer(app);
      const origin = await listen(server);
      return {
        origin,
        async hostNotFound(res) {
          expect(res.status).toBe(404);
          expect(await res.text()).toBe('host 404');
        },
        async close() {
          await new Promise((resolve) => server.close(resolve));
          await handler.close();
        },
      };
    },
  },
  {
    name: 'node:http (createRequestHandler)',
    browser: false,
    async start(platform) {
      const handler = await createRequestHandler({ platform, prefix: PREFIX, auth, authRateLimitPerMin: 10_000 });
      const server = createServer((req, res) =>
        handler(req, res, () => {
          const body = req.url === '/' ? { app: 'host' } : req.url === '/about' ? { page: 'about the host' } : undefined;
          res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body ?? { hostError: 'nothing here' }));
        }),
      );
      const origin = await listen(server);
      return {
        origin,
        async hostNotFound(res) {
          expect(res.status).toBe(404);
          expect(await res.json()).toEqual({ hostError: 'nothing here' });
        },
        async close() {
          await new Promise((resolve) => server.close(resolve));
          await handler.close();
        },
      };
    },
  },
];

/** A tiny cookie jar for fetch: every cookie the shop sets must be scoped to the prefix. */
class Jar {
  private readonly cookies = new Map<string, string>();
  readonly paths: string[] = [];
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const path = attributes.map((a) => a.trim()).find((a) => /^path=/i.test(a))?.slice(5);
      this.paths.push(path ?? '(none)');
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The URLs a page's own markup points at: link/form/asset attributes and og/canonical links. */
function urlsIn(markup: string): string[] {
  const out: string[] = [];
  for (const m of markup.matchAll(/\s(?:href|src|action|formaction|poster)="([^"]*)"/gi)) out.push(m[1]!);
  for (const m of markup.matchAll(/\s(?:srcset|imagesrcset)="([^"]*)"/gi)) out.push(...m[1]!.split(',').map((c) => c.trim().split(/\s+/)[0]!));
  for (const m of markup.matchAll(/<meta\s+property="og:[^"]*"\s+content="([^"]*)"/gi)) if (/^(\/|https?:)/.test(m[1]!)) out.push(m[1]!);
  return out.map((u) => u.replace(/&amp;/g, '&'));
}

interface Crawl {
  visited: string[];
  /** Offending URL → where it was found. */
  escapes: Map<string, string>;
  assets: Set<string>;
}

/**
 * Breadth-first over every GET link of the area from `start` (up to `max` pages), following
 * redirects by hand: every URL in a page, every Location and every cookie path must be under the prefix.
 */
async function crawl(origin: string, start: string, jar: Jar, within: (path: string) => boolean, max: number): Promise<Crawl> {
  const result: Crawl = { visited: [], escapes: new Map(), assets: new Set() };
  const underPrefix = (url: URL) => url.pathname === PREFIX || url.pathname.startsWith(`${PREFIX}/`);
  const queue = [new URL(start, origin).href];
  const seen = new Set(queue);
  while (queue.length > 0 && result.visited.length < max) {
    let url = queue.shift()!;
    let res: Response;
    for (let hops = 0; ; hops++) {
      res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(), accept: 'text/html' } });
      jar.take(res);
      const location = res.headers.get('location');
      if (!location || hops > 5) break;
      const next = new URL(location, url);
      if (next.origin === origin && !underPrefix(next)) result.escapes.set(`Location: ${location}`, url);
      url = next.href;
    }
    result.visited.push(url);
    if (!/^text\/html/.test(res.headers.get('content-type') ?? '')) continue;
    const page = await res.text();
    expect(res.status, url).toBeLessThan(500);
    for (const raw of urlsIn(page)) {
      if (raw === '' || raw.startsWith('#') || raw.startsWith('data:')) continue;
      const target = new URL(raw, url);
      if (target.origin !== origin) continue;
      if (!underPrefix(target) || (raw.startsWith('/') && !raw.startsWith(`${PREFIX}/`) && raw !== PREFIX)) {
        result.escapes.set(raw, url);
        continue;
      }
      target.hash = '';
      if (/\/assets\//.test(target.pathname)) result.assets.add(target.href);
      const path = target.pathname.slice(PREFIX.length) || '/';
      if (!within(path) || /\.csv$/.test(path) || seen.has(target.href)) continue;
      // One page per path and query-key set is enough to see each template (listing filters multiply otherwise).
      const shape = `${target.pathname}?${[...target.searchParams.keys()].sort().join('&')}`;
      if (seen.has(shape)) continue;
      seen.add(shape);
      seen.add(target.href);
      queue.push(target.href);
    }
  }
  return result;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe.each(backends)('storefront and admin under /shop on $name', (backend) => {
  describe.each(HOSTS)('in a $name host app', (hostKind) => {
    let platform: EcommercePlatform;
    let dispose: () => Promise<void>;
    let host: Host;
    let ids: Awaited<ReturnType<typeof seedShop>>;
    let shop: string;
    let shopperId: number;
    beforeAll(async () => {
      ({ platform, dispose } = await openFresh(backend));
      ids = await seedShop(platform);
      const accounts = new AuthService(platform.db, auth);
      await accounts.createAdmin({ ...ADMIN, name: 'Owner' });
      shopperId = (await accounts.register(SHOPPER)).customer.id;
      host = await hostKind.start(platform);
      shop = `${host.origin}${PREFIX}`;
    });
    afterAll(async () => {
      await host?.close();
      await dispose?.();
    });

    // Real Chromium in the Fastify and Express hosts; the node:http host shares Express's handler path.
    if (hostKind.browser) {
      it('a guest buys a variant through the pages with JavaScript disabled', async () => {
        const context = await browser.newContext({ javaScriptEnabled: false });
        context.setDefaultTimeout(10_000);
        const page = await context.newPage();
        const requested: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        await page.goto(`${shop}/`);
        await page.getByLabel('Search').fill('trail');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.waitForURL(`${shop}/search?q=trail`);
        await page.getByRole('link', { name: 'Trail Running Shoe' }).click();
        await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Trail Running Shoe');
        expect(new URL(page.url()).pathname).toBe(`${PREFIX}/product/${ids.shoe}/trail-running-shoe`);
        await page.getByLabel(/^43 · \$94\.00 · Only 2 left/).check();
        await page.getByLabel('Quantity').fill('2');
        await page.getByRole('button', { name: 'Add to cart' }).click();
        await expect.poll(() => page.getByRole('status').textContent()).toContain('is in your cart');
        await page.getByRole('link', { name: /^Cart 2/ }).click();
        await page.waitForURL(`${shop}/cart`);
        await page.getByRole('cell', { name: '$188.00' }).waitFor();
        await page.getByRole('button', { name: 'Checkout' }).click();
        // A GET form without fields: the URL ends in `?`.
        await page.waitForURL((u) => u.pathname === `${PREFIX}/checkout`);
        await fillGuestCheckout(page, `guest-${backend.name}@example.com`);
        await page.getByRole('button', { name: 'Place order' }).click();
        const heading = page.getByRole('heading', { level: 1 });
        await expect.poll(() => heading.textContent()).toContain('Thank you');
        await page.getByText('Payment: Paid').waitFor();
        expect(new URL(page.url()).pathname).toMatch(new RegExp(`^${PREFIX}/checkout/thanks/\\d+`));
        const orderId = Number(/#(\d+)/.exec((await heading.textContent()) ?? '')![1]);
        expect(await platform.getOrder(orderId)).toMatchObject({ placedAsGuest: true, paymentStatus: 'paid', totalCents: 18800 });
        expect((await platform.getProduct(ids.shoe))!.variants.map((v) => v.stock)).toEqual([10, 0]);
        // The style sheets loaded (so the pages were styled) and nothing was asked of the host outside the prefix.
        expect(await page.evaluate(() => getComputedStyle(document.body).margin)).toBe('0px');
        expect(requested.filter((u) => new URL(u).origin === host.origin && !new URL(u).pathname.startsWith(`${PREFIX}/`))).toEqual([]);
        const cookies = await context.cookies();
        expect(cookies.length).toBeGreaterThan(0);
        for (const c of cookies) expect(c.path === PREFIX || c.path.startsWith(`${PREFIX}/`), `${c.name} Path=${c.path}`).toBe(true);
        await context.close();
        await assertLedgerInvariant(platform);
      });

      it('the as-you-type search works with JavaScript', async () => {
        const context = await browser.newContext();
        context.setDefaultTimeout(10_000);
        const page = await context.newPage();
        const fetched: string[] = [];
        page.on('request', (r) => {
          if (r.resourceType() === 'fetch') fetched.push(new URL(r.url()).pathname);
        });
        await page.goto(`${shop}/search`);
        await page.evaluate(() => Object.assign(window, { marker: 'same page' }));
        await page.getByLabel('Search').pressSequentially('merin', { delay: 30 });
        await expect.poll(() => page.locator('#results .card').count()).toBe(1);
        expect(page.url()).toBe(`${shop}/search?q=merin`);
        expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
        await page.goto(`${shop}/`);
        await page.getByLabel('Search').pressSequentially('trail', { delay: 30 });
        await page.locator('#suggestions').getByRole('link', { name: 'Trail Running Shoe' }).click();
        await page.waitForURL(`${shop}/product/${ids.shoe}/trail-running-shoe`);
        expect(fetched.length).toBeGreaterThan(0);
        expect(fetched.every((p) => p === `${PREFIX}/search`)).toBe(true);
        await context.close();
      });

      it('an admin signs in at /shop/admin, sees the dashboard and opens an order', async () => {
        await platform.addToCart(shopperId, ids.socks, 1);
        const orderId = await platform.createOrder(shopperId);
        const context = await browser.newContext();
        context.setDefaultTimeout(10_000);
        const page = await context.newPage();
        await page.goto(`${shop}/admin/orders/${orderId}`);
        expect(new URL(page.url()).pathname).toBe(`${PREFIX}/admin/sign-in`);
        await page.getByLabel('Email').fill(ADMIN.email);
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        // Back where the sign-in started, under the prefix.
        await page.waitForURL(`${shop}/admin/orders/${orderId}`);
        await page.getByRole('heading', { name: new RegExp(`Order #${orderId}`) }).waitFor();
        const nav = page.getByRole('navigation', { name: 'Admin' });
        await nav.getByRole('link', { name: 'Dashboard', exact: true }).click();
        await page.waitForURL(`${shop}/admin`);
        await page.locator('#sales-chart canvas').first().waitFor();
        await nav.getByRole('link', { name: 'Orders', exact: true }).click();
        await page.waitForURL(`${shop}/admin/orders`);
        await page.getByRole('link', { name: `#${orderId}`, exact: true }).click();
        await page.waitForURL(`${shop}/admin/orders/${orderId}`);
        await page.getByText(SHOPPER.email).first().waitFor();
        const cookies = await context.cookies();
        expect(cookies.find((c) => c.name === 'sk_admin')?.path).toBe(`${PREFIX}/admin`);
        await context.close();
      });
    }

    it('every link, form, asset and redirect of the storefront stays under the prefix', async () => {
      const jar = new Jar();
      // A shopper with a cart line and an order, signed in through the page form, so the account pages are reachable.
      await platform.addToCart(shopperId, ids.shoe, 1, { variantId: (await platform.getProduct(ids.shoe))!.variants[0]!.id });
      await platform.createOrder(shopperId);
      await platform.addToCart(shopperId, ids.socks, 1);
      const form = await fetch(`${shop}/signin`);
      jar.take(form);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const signedIn = await fetch(`${shop}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, email: SHOPPER.email, password: SHOPPER.password, next: '/account' }).toString(),
      });
      jar.take(signedIn);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe(`${PREFIX}/account`);

      const result = await crawl(host.origin, `${PREFIX}/`, jar, (path) => !path.startsWith('/admin') && !path.startsWith('/api'), 120);
      expect(Object.fromEntries(result.escapes)).toEqual({});
      expect(result.visited.length).toBeGreaterThanOrEqual(20);
      const paths = result.visited.map((u) => new URL(u).pathname);
      for (const expected of ['/', '/search', '/cart', '/checkout', '/account', '/account/orders', '/account/addresses', `/product/${ids.shoe}/trail-running-shoe`, '/category/Footwear']) {
        expect(paths, expected).toContain(`${PREFIX}${expected === '/' ? '/' : expected}`);
      }
      expect(result.assets.size).toBeGreaterThanOrEqual(3);
      for (const asset of result.assets) {
        const res = await fetch(asset);
        expect(res.status, asset).toBe(200);
        if (asset.endsWith('.css')) for (const m of (await res.text()).matchAll(/url\(\s*["']?(\/[^"')]*)/g)) expect(m[1]!.startsWith(`${PREFIX}/`), m[1]).toBe(true);
      }
      expect(jar.paths.length).toBeGreaterThan(0);
      expect(jar.paths.filter((p) => p !== PREFIX && !p.startsWith(`${PREFIX}/`))).toEqual([]);

      // Canonical links and the product's structured data carry the prefix too.
      const product = await (await fetch(`${shop}/product/${ids.shoe}/trail-running-shoe`)).text();
      expect(product).toContain(`<link rel="canonical" href="${shop}/product/${ids.shoe}/trail-running-shoe">`);
      expect(product).toContain(`"url":"${shop}/product/${ids.shoe}/trail-running-shoe"`);
      // An old slug redirects to the current one, under the prefix.
      const moved = await fetch(`${shop}/product/${ids.shoe}/old-name?x=1`, { redirect: 'manual' });
      expect(moved.status).toBe(301);
      expect(moved.headers.get('location')).toBe(`${PREFIX}/product/${ids.shoe}/trail-running-shoe?x=1`);

      const robots = await (await fetch(`${shop}/robots.txt`)).text();
      expect(robots).toContain(`Disallow: ${PREFIX}/account`);
      expect(robots).toContain(`Disallow: ${PREFIX}/api/`);
      expect(robots).toContain(`Sitemap: ${shop}/sitemap.xml`);
      const sitemap = await (await fetch(`${shop}/sitemap.xml`)).text();
      const locs = [...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]!);
      expect(locs).toContain(`${shop}/`);
      expect(locs).toContain(`${shop}/product/${ids.shoe}/trail-running-shoe`);
      expect(locs.every((l) => l.startsWith(`${shop}/`))).toBe(true);
    });

    it('every link, form, asset and redirect of the admin panel stays under the prefix', async () => {
      const jar = new Jar();
      const start = await fetch(`${shop}/admin`, { redirect: 'manual' });
      expect(start.status).toBe(303);
      expect(start.headers.get('location')).toBe(`${PREFIX}/admin/sign-in?next=%2Fadmin`);
      const form = await fetch(`${shop}/admin/sign-in?next=%2Fadmin`);
      jar.take(form);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const signedIn = await fetch(`${shop}/admin/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, email: ADMIN.email, password: ADMIN.password, next: '/admin' }).toString(),
      });
      jar.take(signedIn);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe(`${PREFIX}/admin`);

      const result = await crawl(host.origin, `${PREFIX}/admin`, jar, (path) => path.startsWith('/admin') && path !== '/admin/sign-out', 150);
      expect(Object.fromEntries(result.escapes)).toEqual({});
      expect(result.visited.length).toBeGreaterThanOrEqual(20);
      const paths = result.visited.map((u) => new URL(u).pathname);
      for (const area of ['/admin', '/admin/products', '/admin/orders', '/admin/customers', '/admin/settings']) expect(paths, area).toContain(`${PREFIX}${area}`);
      expect(paths.some((p) => /^\/shop\/admin\/orders\/\d+$/.test(p))).toBe(true);
      expect(result.assets.size).toBeGreaterThanOrEqual(2);
      for (const asset of result.assets) expect((await fetch(asset)).status, asset).toBe(200);
      expect(jar.paths.filter((p) => p !== PREFIX && !p.startsWith(`${PREFIX}/`))).toEqual([]);
      // The panel's own 404 page is under the prefix too.
      const missing = await fetch(`${shop}/admin/no-such-page`, { headers: { cookie: jar.header() } });
      expect(missing.status).toBe(404);
      expect(urlsIn(await missing.text()).filter((u) => u.startsWith('/') && !u.startsWith(`${PREFIX}/`) && u !== PREFIX)).toEqual([]);
    });

    it('leaves the host app’s own routes and 404 alone', async () => {
      expect(await (await fetch(`${host.origin}/`)).json()).toEqual({ app: 'host' });
      expect(await (await fetch(`${host.origin}/about`)).json()).toEqual({ page: 'about the host' });
      await host.hostNotFound(await fetch(`${host.origin}/nope`));
      await host.hostNotFound(await fetch(`${host.origin}/shopping`));
      await host.hostNotFound(await fetch(`${host.origin}/cart`));
      // The shop's own 404 page answers inside the prefix, with its links under it.
      const shopMissing = await fetch(`${shop}/no-such-page`);
      expect(shopMissing.status).toBe(404);
      expect(shopMissing.headers.get('content-type')).toMatch(/^text\/html/);
      expect(urlsIn(await shopMissing.text()).filter((u) => u.startsWith('/') && !u.startsWith(`${PREFIX}/`) && u !== PREFIX)).toEqual([]);
      // The API under the prefix keeps its JSON errors.
      const apiMissing = await fetch(`${shop}/api/nope`);
      expect(apiMissing.status).toBe(404);
      expect(((await apiMissing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });
  });
});
