import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { App } from '../../src/http/types.js';
import { shopConfigFromEnv, themeCss } from '../../src/storefront/config.js';
import { backends, openFresh } from '../backends.js';

describe('storefront configuration', () => {
  it('takes name, logo and colours from the environment and refuses anything that is not a colour', () => {
    const config = shopConfigFromEnv({ SHOP_NAME: 'Acme', SHOP_BRAND_COLOR: '#123456', SHOP_ACCENT_COLOR: 'red;}body{display:none', SHOP_LOGO_URL: '/logo.svg' });
    expect(config).toMatchObject({ name: 'Acme', brandColor: '#123456', accentColor: '#a63d00', logoUrl: '/logo.svg' });
    expect(themeCss(config)).toBe(':root{--brand:#123456;--brand-text:#ffffff;--accent:#a63d00}\n');
    expect(shopConfigFromEnv({ SHOP_PUBLIC_URL: 'https://shop.example/' }).publicUrl).toBe('https://shop.example');
    expect(shopConfigFromEnv({ SHOP_PUBLIC_URL: 'javascript:alert(1)' }).publicUrl).toBeNull();
  });
});

describe.each(backends)('storefront configured shop and failure pages ($name)', (backend) => {
  let app: App;
  let fresh: Awaited<ReturnType<typeof openFresh>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { SHOP_NAME: 'Acme <Outfitters>', SHOP_BRAND_COLOR: 'rgb(10, 60, 30)', SHOP_PUBLIC_URL: 'https://acme.example' });
    fresh = await openFresh(backend);
    app = await buildServer(fresh.platform, { logger: false });
    process.env = saved;
  });
  afterAll(async () => {
    await app?.close();
    await fresh?.dispose();
  });

  it('shows the configured name escaped, links canonically to the public URL and serves the theme', async () => {
    const home = await app.inject({ url: '/' });
    expect(home.body).toContain('<title>Acme &lt;Outfitters&gt;: shop online</title>');
    expect(home.body).toContain('<link rel="canonical" href="https://acme.example/">');
    const theme = /<link rel="stylesheet" href="(\/assets\/shop\/theme\.[\w-]+\.css)">/.exec(home.body)![1]!;
    const css = await app.inject({ url: theme });
    expect(css.body).toContain('--brand:rgb(10, 60, 30)');
    expect(css.headers['cache-control']).toContain('immutable');
  });

  it('answers a failure inside a page with the shop\'s 500 page and no internals', async () => {
    const id = await fresh.platform.addProduct({ name: 'Lamp', priceCents: 1000, stock: 1 });
    // A real failure: the database is gone under the running server.
    await fresh.platform.db.close();
    const res = await app.inject({ url: `/product/${id}/lamp` });
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Something went wrong');
    expect(res.body).not.toMatch(/closed|sqlite|postgres|stack/i);
  });
});
