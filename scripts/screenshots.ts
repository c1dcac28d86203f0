/**
 * npm run screenshots — the storefront's main pages from a real server (demo catalogue, a signed-in
 * shopper with a cart and an order), desktop (1280×800) and phone (360×740), into docs/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { AuthService } from '../src/auth/service.js';
import { startServer } from '../src/http/server.js';

const OUT = join(process.cwd(), 'docs', 'screenshots');
const dir = mkdtempSync(join(tmpdir(), 'sk-shots-'));
const server = await startServer({ databaseUrl: join(dir, 'store.db'), port: 0, logger: false, handleSignals: false, backgroundJobs: false });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const { platform } = server;
  const auth = new AuthService(platform.db);
  const signedIn = await auth.register({ email: 'ada@example.com', name: 'Ada Lovelace', password: 'correct horse battery' });
  const id = signedIn.customer.id;
  const [laptop, mouse] = (await platform.search({ q: 'laptop' })).items.concat((await platform.search({ q: 'mouse' })).items);
  await platform.addReview(id, mouse!.id, { rating: 5, title: 'Light and precise', text: 'Battery lasts for weeks.' });
  const home = await platform.addAddress(id, { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB', isDefault: true });
  const methods = await platform.listShippingMethods();
  await platform.addToCart(id, laptop!.id, 1, { variantId: laptop!.variants[0]!.id });
  const { orderId } = await platform.checkout(id, { shippingAddressId: home.id, ...(methods[0] ? { shippingMethodId: methods[0].id } : {}) });
  await platform.addToCart(id, mouse!.id, 2, { variantId: mouse!.variants[0]!.id });
  const pages: [string, string][] = [
    ['home', '/'],
    ['listing', '/category/Electronics'],
    ['search', '/search?q=co'],
    ['product', `/product/${mouse!.id}`],
    ['cart', '/cart'],
    ['checkout', '/checkout'],
    ['order', `/account/orders/${orderId}`],
  ];
  mkdirSync(OUT, { recursive: true });
  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 360, height: 740 }],
  ] as const) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await context.addCookies([{ name: 'sk_shop', value: signedIn.token, url: server.url }]);
    const page = await context.newPage();
    for (const [name, path] of pages) {
      await page.goto(server.url + path);
      await page.screenshot({ path: join(OUT, `${name}-${label}.png`) });
      console.log(`docs/screenshots/${name}-${label}.png`);
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
