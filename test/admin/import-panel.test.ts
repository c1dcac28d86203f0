import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { PRODUCT_COLUMNS } from '../../src/csv/import.js';
import type { Row } from '../../src/index.js';
import { backends } from '../backends.js';
import { snapshot } from '../core/fixture.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const ADMIN = { email: 'importer@example.com', password: 'owner password 1' };
const STAFF = { email: 'desk2@example.com', password: 'staff password 1' };
const HEADER = PRODUCT_COLUMNS.join(',');

/** Everything but the import's own job rows: the catalog, the ledger, the price history, … */
async function catalogTables(server: TestServer): Promise<Record<string, Row[]>> {
  const all = await snapshot(server.platform);
  delete all.import_jobs;
  return all;
}

describe.each(backends)('CSV import in the admin panel, in Chromium without JavaScript, on $name', (backend) => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  let lamp: number;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const auth = new AuthService(server.platform.db, { scryptCost: 1024 });
    await auth.createAdmin({ ...ADMIN, name: 'Owner' });
    await auth.createAdmin({ ...STAFF, name: 'Desk', role: 'staff' });
    lamp = await server.platform.addProduct({ name: 'Desk Lamp', priceCents: 4250, stock: 5, sku: 'LAMP-1' });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    // Every form of the import works without JavaScript: the whole flow runs with it off.
    context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  async function upload(name: string, body: string | Buffer, mimeType = 'text/csv', on: Page = page): Promise<void> {
    await on.getByLabel('CSV file').setInputFiles({ name, mimeType, buffer: Buffer.isBuffer(body) ? body : Buffer.from(body) });
    await on.getByRole('button', { name: 'Check file (dry run)' }).click();
    await on.waitForLoadState();
  }

  /**
   * axe needs scripts in the page, so it runs in a second context with JavaScript on and the same
   * session: on `url` (default: the page's), or on the page `act` leads to.
   */
  async function accessible(url: string = page.url(), act?: (p: Page) => Promise<void>): Promise<void> {
    const withScripts = await browser.newContext({ storageState: await context.storageState() });
    try {
      const p = await withScripts.newPage();
      await p.goto(url);
      if (act) await act(p);
      await expectAccessible(p);
    } finally {
      await withScripts.close();
    }
  }

  it('CSV import dry run reports a bad row by its line number and changes nothing; Apply then imports the rest', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import products' }).waitFor();
    await accessible();

    const before = await catalogTables(server);
    const csv = [
      HEADER,
      `${lamp},LAMP-1,Desk Lamp,,,45.00,,12,,,,,,,`,
      'new-shade,SHADE-1,Lamp shade,,Lighting,abc,,3,,,,,,,',
      'new-bulb,BULB-1,"Bulb, warm",,Lighting,3.99,,40,,,,,,,',
    ].join('\n');
    await upload('products.csv', csv);
    await page.getByRole('heading', { name: 'Import: dry run' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toContain('Dry run: nothing has been written.');
    const refused = page.getByRole('region', { name: 'Refused lines' }).getByRole('row');
    expect(await refused.count()).toBe(2);
    expect((await refused.nth(1).getByRole('cell').allTextContents()).map((t) => t.trim())).toEqual(['3', 'SHADE-1', 'new-shade', 'price "abc" is not an amount like 12.50']);
    const changes = page.getByRole('region', { name: 'What would change' });
    expect(await changes.getByRole('row').count()).toBe(3);
    expect(await changes.getByRole('row').nth(1).textContent()).toContain('price 42.50 → 45.00; stock 5 → 12');
    expect(await changes.getByRole('row').nth(2).textContent()).toContain('new product "Bulb, warm" at 3.99');
    await accessible();
    expect(await catalogTables(server)).toEqual(before);

    await Promise.all([page.waitForURL(/\/admin\/import\/\d+$/), page.getByRole('button', { name: 'Apply import' }).click()]);
    // The progress page reloads itself (a Refresh header) until the job row says done.
    await page.getByRole('heading', { name: 'Import applied' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('status').first().textContent()).toContain('Import applied.');
    expect(await page.locator('dl').textContent()).toMatch(/Created\s*1 line \(1 new product\)\s*Changed\s*1\s*Unchanged\s*0\s*Refused\s*1/);
    await accessible();
    expect(await server.platform.getProduct(lamp)).toMatchObject({ priceCents: 4500, stock: 12 });
    expect(await server.platform.query("SELECT name, stock FROM products WHERE category = 'Lighting'")).toEqual([{ name: 'Bulb, warm', stock: 40 }]);

    // Applying the same job twice (a second click, a second tab) is refused; nothing more is written.
    const done = page.url();
    const after = await catalogTables(server);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const again = await page.request.post(`${done}/apply`, { form: { _csrf: csrf }, headers: { origin: server.url }, maxRedirects: 0 });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('has been applied already');
    expect(await catalogTables(server)).toEqual(after);
  });

  it('a file that is not CSV gets a clear error page and nothing is written', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/import`);
    const before = await snapshot(server.platform);
    await upload('photo.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'image/png');
    await page.getByRole('heading', { name: 'That did not work' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The file is not a CSV text file');
    await accessible(`${server.url}/admin/import`, (p) => upload('photo.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), 'image/png', p));
    await page.goto(`${server.url}/admin/import`);
    await upload('wrong.csv', 'name,price\nMug,1\n');
    expect(await page.getByRole('alert').textContent()).toContain('Line 1: the header needs the columns product, sku');
    await page.goto(`${server.url}/admin/import`);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const huge = await page.request.post(`${server.url}/admin/import`, {
      multipart: { _csrf: csrf, file: { name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 'a') } },
      headers: { origin: server.url },
      maxRedirects: 0,
    });
    expect(huge.status()).toBe(413);
    expect(await huge.text()).toContain('The file is larger than 10 MB; split it into several files');
    expect(await snapshot(server.platform)).toEqual(before);
  });

  it('a running import shows a <progress> bar and reloads itself; an interrupted one offers to apply again', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/import`);
    await upload('more.csv', `${HEADER}\nnew-desk,DESK-1,Desk,,,120.00,,2,,,,,,,\n`);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    // The state an Apply in progress leaves in the job row: batch 1 of 3 done, updated just now.
    await server.platform.db.run("UPDATE import_jobs SET status = 'running', batches_total = 3, batches_done = 1, updated_at = ? WHERE id = ?", [new Date().toISOString(), id]);
    const response = await page.goto(`${server.url}/admin/import/${id}`);
    expect(response!.headers().refresh).toBe('2');
    await page.getByRole('heading', { name: 'Applying import' }).waitFor();
    const bar = page.getByRole('progressbar', { name: 'Batches applied' });
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['1', '3']);
    // The same page without the reload, so axe is not cut short by it.
    await accessible(`${server.url}/admin/import/${id}?refresh=off`);
    await page.getByRole('link', { name: 'Stop reloading' }).click();
    await page.getByRole('link', { name: 'Reload to see the progress' }).waitFor();

    await server.platform.db.run('UPDATE import_jobs SET updated_at = ? WHERE id = ?', [new Date(Date.now() - 5 * 60_000).toISOString(), id]);
    const stalled = await page.goto(`${server.url}/admin/import/${id}`);
    expect(stalled!.headers().refresh).toBeUndefined();
    await page.getByRole('heading', { name: 'Import interrupted' }).waitFor();
    await Promise.all([page.waitForURL(/\/admin\/import\/\d+$/), page.getByRole('button', { name: 'Apply again' }).click()]);
    await page.getByRole('heading', { name: 'Import applied' }).waitFor({ timeout: 30_000 });
    expect(await server.platform.query("SELECT name FROM products WHERE name = 'Desk'")).toEqual([{ name: 'Desk' }]);
  });

  it('staff (not admin) cannot import: the page and the upload are refused', async () => {
    await signIn(page, server.url, STAFF.email, STAFF.password);
    expect(await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Import', exact: true }).count()).toBe(0);
    const response = await page.goto(`${server.url}/admin/import`);
    expect(response!.status()).toBe(403);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    const before = await snapshot(server.platform);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const post = await page.request.post(`${server.url}/admin/import`, {
      multipart: { _csrf: csrf, file: { name: 'p.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\nx,X-1,X,,,1.00,,1,,,,,,,\n`) } },
      headers: { origin: server.url },
      maxRedirects: 0,
    });
    expect(post.status()).toBe(403);
    expect(await snapshot(server.platform)).toEqual(before);
  });
});
