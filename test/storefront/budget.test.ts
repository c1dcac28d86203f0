import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { startTestServer, tableCounts, type TestServer } from '../http/helpers.js';
import { seedShop } from './browser.js';
import { shopPages, type ShopPages } from './pages.js';

/** The weight budgets (gzip bytes), checked on every build so a regression fails. */
const HTML_BUDGET = 50 * 1024;
const JS_BUDGET: Record<string, number> = { home: 20 * 1024, listing: 20 * 1024, search: 20 * 1024, product: 20 * 1024, checkout: 40 * 1024 };

describe.each(backends)('storefront pages over HTTP ($name)', (backend) => {
  let s: TestServer;
  let ids: Awaited<ReturnType<typeof seedShop>>;
  let shop: ShopPages;
  beforeAll(async () => {
    s = await startTestServer(backend);
    ids = await seedShop(s.platform);
    shop = await shopPages(s, ids);
  });
  afterAll(() => s?.close());

  const get = (name: string, extra: Record<string, string> = {}) =>
    s.app.inject({ url: shop.pages[name]!, headers: { 'accept-encoding': 'gzip', ...(shop.signedIn.has(name) ? { cookie: shop.cookie } : {}), ...extra } });

  it('keeps every page under 50 kB of HTML and the shopping pages under their JavaScript budgets (gzip)', async () => {
    for (const name of Object.keys(shop.pages)) {
      const res = await get(name);
      expect([200, 404], name).toContain(res.statusCode);
      expect(res.headers['content-type'], name).toContain('text/html');
      expect(res.rawPayload.length, `${name} HTML`).toBeLessThanOrEqual(HTML_BUDGET);
      const html = (await s.app.inject({ url: shop.pages[name]!, headers: shop.signedIn.has(name) ? { cookie: shop.cookie } : {} })).body;
      let js = 0;
      for (const [, src] of html.matchAll(/<script type="module" src="([^"]+)"/g)) {
        const asset = await s.app.inject({ url: src!, headers: { 'accept-encoding': 'gzip' } });
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['cache-control']).toContain('immutable');
        js += asset.rawPayload.length;
      }
      if (JS_BUDGET[name] !== undefined) expect(js, `${name} JavaScript`).toBeLessThanOrEqual(JS_BUDGET[name]!);
      // No web fonts or render-blocking images; no inline script (the CSP would refuse it anyway).
      expect(html).not.toMatch(/@font-face|<script(?![^>]*\b(?:src=|type="application\/ld\+json"))/);
    }
  });

  it('sends a strict CSP, no-store and an HttpOnly SameSite session cookie', async () => {
    const res = await get('product');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
    const signin = await s.app.inject({ url: '/signin' });
    const token = /name="_csrf" value="([^"]+)"/.exec(signin.body)![1]!;
    const csrfCookie = String(signin.headers['set-cookie']).split(';')[0]!;
    const login = await s.app.inject({
      method: 'POST',
      url: '/signin',
      headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, email: shop.email, password: 'correct horse battery' }).toString(),
    });
    const session = [login.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('sk_shop='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
  });

  it('refuses a form without its CSRF token and writes nothing', async () => {
    const before = await tableCounts(s.platform);
    const res = await s.app.inject({
      method: 'POST',
      url: '/cart/add',
      headers: { cookie: shop.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `productId=${ids.shoe}&quantity=1`,
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('text/html');
    const wrongSite = await s.app.inject({
      method: 'POST',
      url: '/checkout',
      headers: { cookie: shop.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: 'idempotencyKey=x',
    });
    expect(wrongSite.statusCode).toBe(403);
    expect(await tableCounts(s.platform)).toEqual(before);
  });

  it('answers bad page input with a 4xx page, never a 500', async () => {
    for (const url of ['/search?minPrice=abc', '/search?sort=sideways', '/search?cursor=%%%', '/product/abc', '/product/99999999', '/category/Nope?minRating=9']) {
      const res = await s.app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.headers['content-type'], url).toContain('text/html');
    }
    const bad = await s.app.inject({ method: 'POST', url: '/cart/add', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'productId=x' });
    expect(bad.statusCode).toBe(403);
  });

  it('describes products for search engines: titles, canonical URLs, Product/Offer data, sitemap and robots.txt', async () => {
    const product = (await s.app.inject({ url: shop.pages.product! })).body;
    expect(product).toContain('<title>Trail Running Shoe · ');
    expect(product).toMatch(/<meta name="description" content="Grippy soles/);
    expect(product).toMatch(new RegExp(`<link rel="canonical" href="http://[^"]+/product/${ids.shoe}/trail-running-shoe">`));
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(product)![1]!);
    expect(ld).toMatchObject({ '@type': 'Product', name: 'Trail Running Shoe', offers: { '@type': 'Offer', price: '89.00', priceCurrency: 'USD', availability: 'https://schema.org/InStock' } });
    const old = await s.app.inject({ url: `/product/${ids.shoe}/old-name` });
    expect(old.statusCode).toBe(301);
    expect(old.headers.location).toBe(`/product/${ids.shoe}/trail-running-shoe`);
    const sitemap = await s.app.inject({ url: '/sitemap.xml' });
    expect(sitemap.headers['content-type']).toContain('xml');
    expect(sitemap.body).toContain(`/product/${ids.shoe}/trail-running-shoe</loc>`);
    expect(sitemap.body).toContain('/category/Footwear</loc>');
    const robots = await s.app.inject({ url: '/robots.txt' });
    expect(robots.body).toMatch(/Sitemap: http:\/\/.+\/sitemap\.xml/);
    expect(robots.body).toContain('Disallow: /account');
  });

  it('keeps an address book through plain forms, refusing a bad address with the field named', async () => {
    const page = await s.app.inject({ url: '/account/addresses', headers: { cookie: shop.cookie } });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (payload: Record<string, string>) =>
      s.app.inject({
        method: 'POST',
        url: '/account/addresses',
        headers: { cookie: shop.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token, ...payload }).toString(),
      });
    const before = await tableCounts(s.platform);
    const bad = await post({ name: 'Ada', line1: '12 Crescent', city: 'London', postalCode: 'N1 9GU', country: 'XX' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).toContain('country');
    expect(bad.body).toContain('value="12 Crescent"');
    expect(await tableCounts(s.platform)).toEqual(before);
    const ok = await post({ name: 'Ada', line1: '12 Crescent', city: 'London', postalCode: 'N1 9GU', country: 'GB', isDefault: '1' });
    expect(ok.statusCode).toBe(303);
    const list = (await s.app.inject({ url: '/account/addresses', headers: { cookie: shop.cookie } })).body;
    expect(list).toContain('12 Crescent');
    expect(list).toContain('United Kingdom');
  });

  it('shows the price and stock of the last committed write', async () => {
    await s.platform.updateProduct(ids.socks, { priceCents: 1234, stock: 2 });
    const page = (await s.app.inject({ url: `/product/${ids.socks}/merino-wool-socks` })).body;
    expect(page).toContain('$12.34');
    expect(page).toContain('Only 2 left');
    const listing = (await s.app.inject({ url: '/category/Footwear' })).body;
    expect(listing).toContain('$12.34');
  });
});
