import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { png } from '../shopping/image-fixtures.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const ADMIN = { email: 'owner@example.com', password: 'owner password 1' };

describe.each(backends)('product editor with options and variants in Chromium on $name', (backend) => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await new AuthService(server.platform.db, { scryptCost: 1024 }).createAdmin({ ...ADMIN, name: 'Owner' });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterEach(() => context.close());

  it('an admin creates a product with two variants and an image, then finds it on the storefront with both variants choosable', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Products', exact: true }).click();
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByLabel('Option 1', { exact: true }).fill('Size');
    await page.getByLabel('Values of option 1').fill('S, M');
    await page.getByRole('button', { name: 'Set up variants' }).click();
    expect(new URL(page.url()).searchParams.get('o1')).toBe('Size');
    await expectAccessible(page);
    await page.getByLabel('Name', { exact: true }).fill('Harbour Shirt');
    await page.getByLabel('Description').fill('Washed cotton.');
    await page.getByLabel('Category').fill('Clothing');
    await page.getByLabel('Price', { exact: true }).fill('30.00');
    await page.getByLabel('SKU of S').fill('HS-S');
    await page.getByLabel('Stock of S').fill('5');
    await page.getByLabel('SKU of M').fill('HS-M');
    await page.getByLabel('Price of M').fill('32.50');
    await page.getByLabel('Stock of M').fill('3');
    await page.getByRole('button', { name: 'Create product' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Product created');
    const productId = Number(new URL(page.url()).pathname.split('/').pop());
    const product = (await server.platform.getProduct(productId))!;
    expect(product.options).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(product.variants.map((v) => [v.title, v.sku, v.priceCents, v.stock])).toEqual([
      ['S', 'HS-S', 3000, 5],
      ['M', 'HS-M', 3250, 3],
    ]);
    expect(await page.getByRole('row', { name: /HS-M/ }).textContent()).toContain('$32.50');

    for (const [i, size] of [[1, 8], [2, 12]] as const) {
      await page.getByLabel('Add an image').setInputFiles({ name: `shirt${i}.png`, mimeType: 'image/png', buffer: png(size, size) });
      await page.getByRole('button', { name: 'Upload image' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Image added');
    }
    const [first, second] = await server.platform.getProductImages(productId);
    await page.getByRole('button', { name: 'Move image 2 earlier' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Image moved');
    expect((await server.platform.getProductImages(productId)).map((i) => i.id)).toEqual([second!.id, first!.id]);
    await expectAccessible(page);

    // The storefront: found by search, both variants can be chosen, the first image leads.
    await page.goto(`${server.url}/search?q=harbour`);
    await page.getByRole('link', { name: /Harbour Shirt/ }).first().click();
    const small = page.getByRole('radio', { name: /^S · \$30\.00/ });
    const medium = page.getByRole('radio', { name: /^M · \$32\.50/ });
    expect(await small.isEnabled()).toBe(true);
    expect(await medium.isEnabled()).toBe(true);
    await medium.check();
    expect(await medium.isChecked()).toBe(true);
    expect(await page.locator(`img[src*="${second!.url.split('/').pop()!.split('.')[0]}"]`).count()).toBeGreaterThan(0);
  });

  it('an admin edits a variant, adds option values and a variant; a taken SKU is refused and nothing is written', async () => {
    const productId = await server.platform.addProduct({
      name: 'Canvas Tote',
      priceCents: 1500,
      options: [{ name: 'Colour', values: ['Sand', 'Navy'] }],
      variants: [
        { sku: 'CT-SAND', options: { Colour: 'Sand' }, stock: 4 },
        { sku: 'CT-NAVY', options: { Colour: 'Navy' }, stock: 2 },
      ],
    });
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/products/${productId}`);
    await page.getByRole('link', { name: 'Edit Navy' }).click();
    await expectAccessible(page);
    await page.getByLabel('Variant price (optional)').fill('17.00');
    await page.getByLabel('Weight in grams (optional)').fill('350');
    await page.getByRole('button', { name: 'Save variant' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved Navy');
    const navy = (await server.platform.getProduct(productId))!.variants[1]!;
    expect([navy.priceCents, navy.weightGrams]).toEqual([1700, 350]);

    await page.getByLabel('Values of Colour').fill('Sand, Navy, Olive');
    await page.getByRole('button', { name: 'Save option values' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Option values saved');
    await page.getByLabel('Colour', { exact: true }).selectOption('Olive');
    await page.getByLabel('SKU', { exact: true }).fill('CT-OLIVE');
    await page.getByLabel('Initial stock').fill('6');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Added Olive');
    await expectAccessible(page);
    expect((await server.platform.getProduct(productId))!.variants.map((v) => [v.sku, v.stock])).toEqual([
      ['CT-SAND', 4],
      ['CT-NAVY', 2],
      ['CT-OLIVE', 6],
    ]);

    const before = await server.platform.getProduct(productId);
    await page.getByLabel('Colour', { exact: true }).selectOption('Olive');
    await page.getByLabel('SKU', { exact: true }).fill('CT-SAND');
    await page.getByRole('button', { name: 'Add variant' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('CT-SAND');
    expect(await server.platform.getProduct(productId)).toEqual(before);
  });
});
