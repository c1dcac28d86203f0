import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { seedShop } from './browser.js';
import { lighthouseRunner, type LighthouseRunner } from './lighthouse.js';
import { shopPages, type ShopPages } from './pages.js';

let lh: LighthouseRunner;
beforeAll(async () => {
  lh = await lighthouseRunner();
}, 60_000);
afterAll(() => lh?.close());

/** Lighthouse 12.2.3 in its mobile mode on the five pages the issue names, with its thresholds. */
describe.each(backends)('storefront Lighthouse scores ($name)', (backend) => {
  let s: TestServer;
  let shop: ShopPages;
  beforeAll(async () => {
    s = await startTestServer(backend);
    shop = await shopPages(s, await seedShop(s.platform));
  });
  afterAll(() => s?.close());

  for (const name of ['home', 'listing', 'product', 'cart', 'checkout']) {
    it(`${name}: Performance ≥ 95, Accessibility 100, Best Practices ≥ 95, SEO ≥ 95`, { timeout: 240_000 }, async () => {
      const url = s.url + shop.pages[name]!;
      const cookie = shop.signedIn.has(name) ? shop.cookie : undefined;
      let { scores, failing } = await lh.run(url, cookie);
      // Performance is simulated from the main-thread time measured on this (shared, 2-core)
      // machine, so another process's burst can cost a run points; the other categories are
      // deterministic. A low Performance score must repeat twice more to fail.
      for (let retry = 0; retry < 2 && scores.performance < 95; retry++) ({ scores, failing } = await lh.run(url, cookie));
      const report = `${JSON.stringify(scores)} failing: ${failing.join(', ')}`;
      expect(scores.performance, report).toBeGreaterThanOrEqual(95);
      expect(scores.accessibility, report).toBe(100);
      expect(scores['best-practices'], report).toBeGreaterThanOrEqual(95);
      expect(scores.seo, report).toBeGreaterThanOrEqual(95);
    });
  }
});
