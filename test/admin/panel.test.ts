import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { png } from '../shopping/image-fixtures.js';
import { expectAccessible, launchBrowser, signIn, ADMIN, STAFF } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());


describe.each(backends)('admin panel in Chromium on $name', (backend) => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const auth = new AuthService(server.platform.db, { scryptCost: 1024 });
    await auth.createAdmin({ ...ADMIN, name: 'Owner' });
    await auth.createAdmin({ ...STAFF, name: 'Desk', role: 'staff' });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  /** A shopper's order placed through the API, as a real sale. */
  async function sale(productId: number, quantity = 1): Promise<number> {
    const shopper = await server.shopper('Pat Buyer');
    const add = await server.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity } });
    expect(add.status).toBe(200);
    const order = await server.call('POST', '/api/orders', { token: shopper.token });
    expect(order.status).toBe(201);
    // Paid with the test provider's card: an order is prepared only once paid.
    const paid = await server.call('POST', `/api/orders/${order.body.order.id}/payments`, { token: shopper.token, body: { card: '4242424242424242' } });
    expect(paid.status).toBe(201);
    return order.body.order.id;
  }

  it('a customer is refused the whole panel, with a 403 page and no admin session', async () => {
    const shopper = await server.shopper();
    await page.goto(`${server.url}/admin/orders`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await expectAccessible(page);
    const response = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByLabel('Email').fill(shopper.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await response).status()).toBe(403);
    await expect.poll(() => page.getByRole('heading', { name: 'Not allowed' }).count()).toBe(1);
    await expectAccessible(page);
    expect((await context.cookies()).some((c) => c.name === 'sk_admin')).toBe(false);
    await page.goto(`${server.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
  });

  it('wrong password: the form says so and keeps the email', async () => {
    await signIn(page, server.url, ADMIN.email, 'not the password');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong email or password');
    expect(await page.getByLabel('Email').inputValue()).toBe(ADMIN.email);
  });

  it('the dashboard charts today’s sale placed through the API', async () => {
    const productId = await server.platform.addProduct({ name: 'Desk Lamp', priceCents: 4250, stock: 20 });
    await sale(productId, 2);
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    expect(new URL(page.url()).pathname).toBe('/admin');
    const nav = page.getByRole('navigation', { name: 'Admin' });
    for (const name of ['Dashboard', 'Products', 'Orders', 'Customers']) expect(await nav.getByRole('link', { name, exact: true }).count()).toBe(1);
    await page.locator('#sales-chart canvas').first().waitFor();
    const today = page.getByRole('region', { name: 'Today' });
    expect(await today.textContent()).toContain('$85.00');
    await page.getByText('Figures per day').click();
    const todayRow = page.locator('details tbody tr').first();
    expect(await todayRow.textContent()).toContain(new Date().toISOString().slice(0, 10));
    expect(await todayRow.textContent()).toContain('$85.00');
    await expectAccessible(page);
    await page.getByRole('link', { name: '7 days' }).click();
    expect(new URL(page.url()).searchParams.get('days')).toBe('7');
    expect(await page.getByRole('heading', { name: /last 7 days/ }).count()).toBe(1);
    // JavaScript budget of the heaviest page: every script it loads, as sent gzipped.
    let bytes = 0;
    for (const src of await page.locator('script[src]').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src))) {
      const res = await fetch(src, { headers: { 'accept-encoding': 'gzip' } });
      bytes += (await res.arrayBuffer()).byteLength;
    }
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(150 * 1024);
  });

  it('an admin creates a product with an image, adjusts its stock and sees the ledger; the shop lists it', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Products', exact: true }).click();
    await page.getByRole('link', { name: 'New product' }).click();
    await expectAccessible(page);
    await page.getByLabel('Name').fill('Walnut Tray');
    await page.getByLabel('Description').fill('Oiled walnut, 40 cm.');
    await page.getByLabel('Category').fill('Kitchen');
    await page.getByLabel('Price').fill('39.90');
    await page.getByLabel('Initial stock').fill('12');
    await page.getByRole('button', { name: 'Create product' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Product created');
    const productId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByLabel('Add an image').setInputFiles({ name: 'tray.png', mimeType: 'image/png', buffer: png(8, 8) });
    await page.getByRole('button', { name: 'Upload image' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Image added');
    expect(await page.getByRole('img', { name: 'Image 1 of Walnut Tray' }).count()).toBe(1);
    await page.getByLabel('Change by').fill('-2');
    await page.getByLabel('Reason').fill('damaged in storage');
    await page.getByRole('button', { name: 'Adjust stock' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Stock is now 10');
    expect(await page.getByRole('row', { name: /damaged in storage/ }).textContent()).toContain('-2');
    await expectAccessible(page);
    const listed = await server.call('GET', `/api/products?q=walnut`);
    expect(listed.body.items.map((p: { id: number }) => p.id)).toContain(productId);
    const images = await server.call('GET', `/api/products/${productId}/images`);
    expect(images.body.items).toHaveLength(1);
    expect((await server.platform.getProduct(productId))?.stock).toBe(10);
  });

  it('a product with two variants shows each with its SKU and stock; one is adjusted with a reason', async () => {
    const productId = await server.platform.addProduct({
      name: 'Linen Shirt',
      priceCents: 4900,
      options: [{ name: 'Size', values: ['M', 'L'] }],
      variants: [
        { sku: 'LS-M', options: { Size: 'M' }, stock: 4 },
        { sku: 'LS-L', options: { Size: 'L' }, stock: 2 },
      ],
    });
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/products/${productId}`);
    expect(await page.getByRole('row', { name: /LS-M/ }).textContent()).toContain('4');
    await page.getByLabel('Change stock of L by').fill('3');
    await page.getByLabel('Reason for L').fill('found in the back');
    await page.getByRole('button', { name: 'Adjust L' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('L stock is now 5');
    await expectAccessible(page);
    const product = await server.platform.getProduct(productId);
    expect(product?.variants.map((v) => [v.sku, v.stock])).toEqual([
      ['LS-M', 4],
      ['LS-L', 5],
    ]);
    expect(product?.stock).toBe(9);
  });

  it('an order goes from pending to delivered with the buttons; only allowed moves are offered', async () => {
    const productId = await server.platform.addProduct({ name: 'Tea Tin', priceCents: 1200, stock: 5 });
    const orderId = await sale(productId);
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/orders`);
    await expectAccessible(page);
    await page.getByRole('link', { name: `#${orderId}`, exact: true }).click();
    await expectAccessible(page);
    expect(await page.getByRole('button', { name: 'Mark as shipped' }).count()).toBe(0);
    for (const [button, status] of [
      ['Mark as processing', 'processing'],
      ['Mark as shipped', 'shipped'],
      ['Mark as delivered', 'delivered'],
    ] as const) {
      await page.getByRole('button', { name: button }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain(`Order is now ${status}`);
    }
    expect(await page.getByRole('button').filter({ hasText: /Mark as|Cancel order/ }).count()).toBe(0);
    expect((await server.platform.getOrder(orderId))?.statusHistory.map((h) => h.status)).toEqual(['pending', 'processing', 'shipped', 'delivered']);
  });

  it('the orders list keeps its filters in the URL and exports them as CSV that parses back', async () => {
    const productId = await server.platform.addProduct({ name: 'Mug', priceCents: 950, stock: 50 });
    const ids = [await sale(productId), await sale(productId, 3)];
    await server.platform.updateOrderStatus(ids[1]!, 'cancelled');
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/orders`);
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filter is a GET form: wait until its navigation has committed before going back.
    await page.waitForURL((u) => u.searchParams.get('status') === 'cancelled', { waitUntil: 'load' });
    await page.goBack({ waitUntil: 'load' });
    expect(new URL(page.url()).searchParams.get('status')).toBeNull();
    await page.goForward({ waitUntil: 'load' });
    expect(new URL(page.url()).searchParams.get('status')).toBe('cancelled');
    expect(await page.getByLabel('Status').inputValue()).toBe('cancelled');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const rows = parse(await readFile(file!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.id))).toContain(ids[1]);
    expect(rows.every((r) => r.status === 'cancelled')).toBe(true);
    expect(rows.find((r) => Number(r.id) === ids[1])).toMatchObject({ total: '28.50', subtotal: '28.50' });
  });

  it('staff run the order desk but are refused settings, discounts, SQL and staff pages', async () => {
    const productId = await server.platform.addProduct({ name: 'Candle', priceCents: 800, stock: 5 });
    const orderId = await sale(productId);
    await signIn(page, server.url, STAFF.email, STAFF.password);
    const nav = page.getByRole('navigation', { name: 'Admin' });
    expect(await nav.getByRole('link', { name: 'Staff' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'SQL' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await page.goto(`${server.url}/admin/orders/${orderId}`);
    await page.getByRole('button', { name: 'Mark as processing' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Order is now processing');
    for (const path of ['/admin/settings', '/admin/discounts', '/admin/sql', '/admin/staff', '/admin/products/new', '/admin/reviews']) {
      const response = await page.goto(`${server.url}${path}`);
      expect(response?.status(), path).toBe(403);
    }
    await expectAccessible(page);
    // A forged form post is refused too, and nothing is written.
    const before = await server.platform.listDiscountCodes();
    const forged = await page.request.post(`${server.url}/admin/discounts`, { form: { code: 'FREE', type: 'fixed', value: '5' } });
    expect(forged.status()).toBe(403);
    expect(await server.platform.listDiscountCodes()).toEqual(before);
  });

  it('every page has no axe violations, works at 360 px without sideways scrolling, and the sign-in works by keyboard alone', async () => {
    const productId = await server.platform.addProduct({ name: 'Notebook', priceCents: 500, stock: 3 });
    await sale(productId);
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const p = await phone.newPage();
      await p.goto(`${server.url}/admin/sign-in`);
      await p.keyboard.press('Tab');
      expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await p.getByLabel('Email').focus();
      await p.keyboard.type(ADMIN.email);
      await p.keyboard.press('Tab');
      await p.keyboard.type(ADMIN.password);
      await p.keyboard.press('Enter');
      await p.waitForURL(`${server.url}/admin`);
      for (const path of ['/admin', '/admin/products', `/admin/products/${productId}`, '/admin/orders', '/admin/customers', '/admin/discounts', '/admin/reviews', '/admin/csv', '/admin/sql', '/admin/staff', '/admin/settings']) {
        const response = await p.goto(`${server.url}${path}`);
        expect(response?.status(), path).toBe(200);
        expect(response?.headers()['cache-control'], path).toBe('no-store');
        await expectAccessible(p);
        expect(await p.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(360);
      }
      await p.goto(`${server.url}/admin/sql`);
      await p.getByLabel('Query (read-only)').fill('SELECT id, name FROM products ORDER BY id');
      await p.getByRole('button', { name: 'Run query' }).click();
      expect(await p.getByRole('cell', { name: 'Notebook' }).count()).toBe(1);
      await expectAccessible(p);
    } finally {
      await phone.close();
    }
  });

  // Last: once the shop has a shipping method, checkouts need an address and a method.
  it('an admin adds a shipping method and a tax rate on the settings page', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Name', { exact: true }).first().fill('Parcel');
    await page.locator('#sm-price').fill('4.90');
    await page.locator('#sm-countries').fill('DE, AT');
    await page.getByRole('button', { name: 'Add shipping method' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Added Parcel');
    await page.locator('#tr-country').fill('DE');
    await page.locator('#tr-rate').fill('19');
    await page.getByRole('button', { name: 'Add tax rate' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Added DE 19%');
    await expectAccessible(page);
    expect((await server.platform.listShippingMethods()).map((m) => [m.name, m.priceCents, m.countries])).toEqual([['Parcel', 490, ['AT', 'DE']]]);
    expect((await server.platform.listTaxRates()).map((r) => [r.country, r.rateMilli])).toEqual([['DE', 19000]]);
  });
});
