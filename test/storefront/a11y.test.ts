import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext } from 'playwright-core';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { launchBrowser, seedShop } from './browser.js';
import { shopPages, type ShopPages } from './pages.js';

const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PHONE_AXE = new Set(['home', 'listing', 'product', 'cart', 'checkout', 'order']);

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

/** axe at WCAG 2.2 AA on every page on a desktop (and the main ones on a 360 px phone); no page may scroll sideways at either size. */
describe.each(backends)('storefront accessibility and layout ($name)', (backend) => {
  let s: TestServer;
  let shop: ShopPages;
  beforeAll(async () => {
    s = await startTestServer(backend);
    shop = await shopPages(s, await seedShop(s.platform));
  });
  afterAll(() => s?.close());

  async function contexts(viewport: { width: number; height: number }): Promise<{ guest: BrowserContext; member: BrowserContext }> {
    const guest = await browser.newContext({ viewport });
    const member = await browser.newContext({ viewport });
    await member.addCookies(shop.cookie.split('; ').map((c) => ({ name: c.slice(0, c.indexOf('=')), value: c.slice(c.indexOf('=') + 1), url: s.url })));
    for (const c of [guest, member]) c.setDefaultTimeout(10_000);
    return { guest, member };
  }

  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['360 px phone', { width: 360, height: 740 }],
  ] as const) {
    it(`has no axe violations and no horizontal scroll on any page (${label})`, { timeout: 240_000 }, async () => {
      const { guest, member } = await contexts(viewport);
      const failures: string[] = [];
      for (const [name, path] of Object.entries(shop.pages)) {
        const page = await (shop.signedIn.has(name) ? member : guest).newPage();
        await page.goto(s.url + path);
        // Every page on the desktop; on the phone the pages whose layout changes most (CI time).
        if (label === 'desktop' || PHONE_AXE.has(name)) {
          const result = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
          for (const v of result.violations) failures.push(`${name}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) failures.push(`${name}: scrolls ${overflow}px sideways`);
        await page.close();
      }
      // The guest's versions of the account-only pages (cart prompt, sign-in redirects) too.
      const cart = await guest.newPage();
      await cart.goto(`${s.url}/cart`);
      for (const v of (await new AxeBuilder({ page: cart }).withTags(WCAG_22_AA).analyze()).violations) failures.push(`guest cart: ${v.id}`);
      expect(failures).toEqual([]);
      await guest.close();
      await member.close();
    });
  }

  it('keeps the focus visible on every focusable control', async () => {
    const { member } = await contexts({ width: 1280, height: 800 });
    const page = await member.newPage();
    await page.goto(s.url + shop.pages.cart!);
    let seen = 0;
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement === document.body)) break;
      seen++;
      const outline = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { tag: el.tagName, width: parseFloat(style.outlineWidth), style: style.outlineStyle };
      });
      expect(outline.style, `${outline.tag} #${i}`).not.toBe('none');
      expect(outline.width, `${outline.tag} #${i}`).toBeGreaterThanOrEqual(2);
    }
    expect(seen).toBeGreaterThan(10);
    await member.close();
  });
});
