import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { seedShop } from './browser.js';

/** Option-value facets (Size) on listing pages: links with counts that keep every other filter, without JavaScript. */
describe.each(backends)('storefront option facets ($name)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
    await seedShop(s.platform);
    await s.platform.addProduct({
      name: 'Trail Sock',
      priceCents: 900,
      category: 'Footwear',
      options: [{ name: 'Size', values: ['43', '44'] }],
      variants: [
        { sku: 'TS-43', options: { Size: '43' }, stock: 4 },
        { sku: 'TS-44', options: { Size: '44' }, stock: 4 },
      ],
    });
  });
  afterAll(() => s?.close());

  const facetLinks = (body: string) =>
    [...body.matchAll(/<h3>Size<\/h3>\s*<ul class="facet-list option-facets">([\s\S]*?)<\/ul>/g)].flatMap(([, list]) =>
      [...list!.matchAll(/<a href="([^"]+)"( aria-current="true")?>([^<]+?) <span class="muted">\((\d+)\)<\/span><\/a>/g)].map(([, href, current, value, n]) => ({
        href: href!.replace(/&amp;/g, '&'),
        current: Boolean(current),
        value,
        count: Number(n),
      })),
    );

  it('lists each size with its product count, in order; a size link filters, keeps the other filters and offers "Any size"', async () => {
    const listing = await s.app.inject({ url: '/category/Footwear?sort=price_asc' });
    expect(listing.statusCode).toBe(200);
    expect(facetLinks(listing.body)).toEqual([
      { href: '/category/Footwear?sort=price_asc&option.Size=42', current: false, value: '42', count: 1 },
      { href: '/category/Footwear?sort=price_asc&option.Size=43', current: false, value: '43', count: 2 },
      { href: '/category/Footwear?sort=price_asc&option.Size=44', current: false, value: '44', count: 1 },
    ]);
    const size44 = await s.app.inject({ url: '/category/Footwear?sort=price_asc&option.Size=44' });
    expect(size44.body).toContain('Trail Sock');
    expect(size44.body).not.toContain('Trail Running Shoe');
    expect(size44.body).toContain('<a href="/category/Footwear?sort=price_asc">Any size</a>');
    expect(facetLinks(size44.body).find((l) => l.value === '44')?.current).toBe(true);
    // The filter form carries the chosen size, so Apply keeps it.
    expect(size44.body).toContain('<input type="hidden" name="option.Size" value="44">');
    // As-you-type swaps the results section with the same filter.
    const fragment = await s.app.inject({ url: '/search?q=trail&option.Size=44&fragment=1' });
    expect(fragment.body).toContain('Trail Sock');
    expect(fragment.body).not.toContain('Trail Running Shoe');
  });

  it('refuses more than three option filters with the shop\'s 400 page', async () => {
    const res = await s.app.inject({ url: '/search?option.A=1&option.B=2&option.C=3&option.D=4' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
  });
});
