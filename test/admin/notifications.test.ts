import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { eventually, startReceiver, tempMailbox, type FakeReceiver } from '../notifications/fakes.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const ADMIN = { email: 'owner@example.com', password: 'owner password 1' };
const STAFF = { email: 'desk@example.com', password: 'staff password 1' };

describe.each(backends)('admin webhooks and notifications log in Chromium on $name', (backend) => {
  let server: TestServer;
  let receiver: FakeReceiver;
  let failing = true;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const auth = new AuthService(server.platform.db, { scryptCost: 1024 });
    await auth.createAdmin({ ...ADMIN, name: 'Owner' });
    await auth.createAdmin({ ...STAFF, name: 'Desk', role: 'staff' });
    receiver = await startReceiver();
    receiver.respond = () => (failing ? 500 : 204);
    // One retry 40 ms after the first attempt, then the message is dead.
    server.platform.startJobs({ pollMs: 20, leaseMs: 2_000, retryScheduleMs: [40], allowPrivate: true, mail: { mailboxDir: tempMailbox() } });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterEach(() => context.close());

  async function placeOrder(): Promise<number> {
    const shopper = await server.shopper('Hook Buyer');
    const productId = await server.platform.addProduct({ name: 'Hook', priceCents: 300, stock: 50 });
    expect((await server.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity: 1 } })).status).toBe(200);
    const order = await server.call('POST', '/api/orders', { token: shopper.token });
    expect(order.status).toBe(201);
    return order.body.order.id;
  }

  it('an admin creates an endpoint (secret shown once), reads its delivery log, retries the dead message, edits events, rotates the secret, disables and deletes it', async () => {
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Webhooks' }).click();
    expect(await page.getByText('No webhook endpoints yet.').count()).toBe(1);
    await expectAccessible(page);

    // Bad input: a 400 page, nothing written.
    await page.getByLabel('URL').fill('ftp://files.example.com/in');
    await page.getByLabel('order.placed').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('http');
    expect(await server.platform.webhooks.list()).toEqual([]);

    await page.goto(`${server.url}/admin/webhooks`);
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('Warehouse');
    await page.getByLabel('order.placed').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('created');
    const secret = await page.getByLabel(`Secret of ${receiver.url}`).inputValue();
    expect(secret).toMatch(/^whsec_/);
    await expectAccessible(page);
    receiver.secret = secret;
    const [endpoint] = await server.platform.webhooks.list();
    expect(endpoint).toMatchObject({ url: receiver.url, events: ['order.placed'], description: 'Warehouse', enabled: true });

    await placeOrder();
    await eventually(async () => (await server.platform.notifications.list({ kind: 'webhook', status: 'dead' })).length === 1, 30_000, 'a dead webhook message');
    await page.getByRole('link', { name: 'Continue to the endpoint' }).click();
    const log = page.getByRole('region', { name: /Delivery log/ });
    await expect.poll(() => log.textContent()).toContain('Failed (HTTP 500)');
    expect(await page.content()).not.toContain(secret);
    await expectAccessible(page);

    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByLabel('Status').selectOption('dead');
    await page.getByLabel('Kind').selectOption('webhook');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=dead/);
    const [dead] = await server.platform.notifications.list({ kind: 'webhook', status: 'dead' });
    expect(await page.getByRole('row').filter({ hasText: 'order.placed' }).count()).toBe(1);
    await expectAccessible(page);
    failing = false;
    await page.getByRole('button', { name: `Retry message ${dead!.id}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`Message ${dead!.id} will be sent again`);
    expect(new URL(page.url()).searchParams.get('status')).toBe('dead');
    await eventually(() => receiver.delivered().size === 1, 30_000, 'the retried delivery');
    expect([...receiver.delivered().values()][0]!.verified).toBe(true);
    await eventually(async () => (await server.platform.notifications.get(dead!.id)).status === 'sent', 30_000, 'sent');
    // A sent message cannot be retried: the page says so with a 409 and changes nothing.
    const retrySent = await page.request.post(`${server.url}/admin/notifications/${dead!.id}/retry`, {
      form: { _csrf: await page.locator('input[name="_csrf"]').first().inputValue() },
      headers: { origin: server.url },
    });
    expect(retrySent.status()).toBe(409);

    await page.goto(`${server.url}/admin/webhooks/${endpoint!.id}`);
    await expect.poll(() => log.textContent()).toContain('Delivered (HTTP 204)');
    await page.getByLabel('order.cancelled').check();
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    expect((await server.platform.webhooks.get(endpoint!.id)).events).toEqual(['order.cancelled', 'order.placed']);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = await page.getByLabel(`Secret of ${receiver.url}`).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect((await server.platform.db.get<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = ?', [endpoint!.id]))!.secret).toBe(rotated);
    await page.getByRole('link', { name: 'Continue to the endpoint' }).click();
    expect(await page.content()).not.toContain(rotated);

    await page.getByRole('button', { name: 'Disable endpoint' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Disabled' }).count()).toBe(1);
    expect((await server.platform.webhooks.get(endpoint!.id)).enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable endpoint' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: 'Enabled' }).count()).toBe(1);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`Deleted ${receiver.url}`);
    expect(await server.platform.webhooks.list()).toEqual([]);
    const missing = await page.goto(`${server.url}/admin/webhooks/${endpoint!.id}`);
    expect(missing?.status()).toBe(404);
  });

  it('staff are refused the webhook and notification pages and their forms', async () => {
    const hook = await server.platform.webhooks.create({ url: 'https://erp.example.com/in', events: ['*'] });
    await signIn(page, server.url, STAFF.email, STAFF.password);
    const nav = page.getByRole('navigation', { name: 'Admin' });
    expect(await nav.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Notifications' }).count()).toBe(0);
    for (const path of ['/admin/webhooks', `/admin/webhooks/${hook.id}`, '/admin/notifications']) {
      const response = await page.goto(`${server.url}${path}`);
      expect(response?.status(), path).toBe(403);
    }
    await expectAccessible(page);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await server.platform.query('SELECT * FROM webhook_endpoints ORDER BY id');
    for (const path of [`/admin/webhooks/${hook.id}/rotate`, `/admin/webhooks/${hook.id}/enabled`, `/admin/webhooks/${hook.id}/delete`, '/admin/webhooks']) {
      const forged = await page.request.post(`${server.url}${path}`, { form: { _csrf: csrf, url: 'https://evil.example.com', events: '*' }, headers: { origin: server.url } });
      expect(forged.status(), path).toBe(403);
    }
    expect(await server.platform.query('SELECT * FROM webhook_endpoints ORDER BY id')).toEqual(before);
    await server.platform.webhooks.delete(hook.id);
  });

  it('the new pages pass axe, send no-store and fit 360 px without sideways scrolling', async () => {
    const hook = await server.platform.webhooks.create({ url: 'https://erp.example.com/a-rather-long-path/that/keeps/going/hooks', events: ['*'], description: 'ERP' });
    const productId = await server.platform.addProduct({
      name: 'Wool Socks',
      priceCents: 900,
      options: [{ name: 'Size', values: ['39-42', '43-46'] }],
      variants: [
        { sku: 'WS-39', options: { Size: '39-42' }, stock: 1 },
        { sku: 'WS-43', options: { Size: '43-46' }, stock: 9 },
      ],
    });
    const variantId = (await server.platform.getProduct(productId))!.variants[0]!.id;
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const p = await phone.newPage();
      await signIn(p, server.url, ADMIN.email, ADMIN.password);
      await p.waitForURL(`${server.url}/admin`);
      expect(await p.getByRole('region', { name: 'Low stock' }).textContent()).toContain('Wool Socks (39-42)');
      for (const path of [
        '/admin',
        '/admin/webhooks',
        `/admin/webhooks/${hook.id}`,
        '/admin/notifications',
        '/admin/notifications?kind=webhook&status=pending',
        '/admin/products/new',
        '/admin/products/new?o1=Size&v1=S,M,L&o2=Colour&v2=Red,Blue',
        `/admin/products/${productId}`,
        `/admin/variants/${variantId}`,
      ]) {
        const response = await p.goto(`${server.url}${path}`);
        expect(response?.status(), path).toBe(200);
        expect(response?.headers()['cache-control'], path).toBe('no-store');
        await expectAccessible(p);
        expect(await p.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(360);
      }
      // A form button works by keyboard alone.
      await p.goto(`${server.url}/admin/webhooks/${hook.id}`);
      await p.getByRole('button', { name: 'Disable endpoint' }).focus();
      await p.keyboard.press('Enter');
      await expect.poll(() => p.getByRole('heading', { name: 'Disabled' }).count()).toBe(1);
    } finally {
      await phone.close();
      await server.platform.webhooks.delete(hook.id);
    }
  });
});
