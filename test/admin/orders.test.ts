import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { migrate } from '../../src/db/migrate.js';
import { openDriver } from '../../src/db/open.js';
import { PostgresDriver } from '../../src/db/postgres.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const ADMIN = { email: 'owner@example.com', password: 'owner password 1' };
const STAFF = { email: 'desk@example.com', password: 'staff password 1' };
const CARD = '4242424242424242';

describe.each(backends)('admin orders and payments in Chromium on $name', (backend) => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  let staffToken: string;
  let adminToken: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const auth = new AuthService(server.platform.db, { scryptCost: 1024 });
    await auth.createAdmin({ ...ADMIN, name: 'Owner' });
    await auth.createAdmin({ ...STAFF, name: 'Desk', role: 'staff' });
    staffToken = (await server.call('POST', '/api/auth/login', { body: STAFF })).body.token;
    adminToken = (await server.call('POST', '/api/auth/login', { body: ADMIN })).body.token;
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  /** A shirt in two sizes, 5 of each. */
  async function shirt(name: string, code: string): Promise<{ productId: number; m: number; l: number }> {
    const productId = await server.platform.addProduct({
      name,
      priceCents: 2000,
      options: [{ name: 'Size', values: ['M', 'L'] }],
      variants: [
        { sku: `${code}-M`, options: { Size: 'M' }, stock: 5 },
        { sku: `${code}-L`, options: { Size: 'L' }, stock: 5 },
      ],
    });
    const variants = (await server.platform.getProduct(productId))!.variants;
    return { productId, m: variants.find((v) => v.title === 'M')!.id, l: variants.find((v) => v.title === 'L')!.id };
  }

  /** A shopper's order placed and paid through the API, as a real sale. */
  async function sale(lines: { productId: number; variantId?: number; quantity: number }[], pay = true): Promise<number> {
    const shopper = await server.shopper('Pat Buyer');
    for (const line of lines) expect((await server.call('POST', '/api/cart/items', { token: shopper.token, body: line })).status).toBe(200);
    const order = await server.call('POST', '/api/orders', { token: shopper.token });
    expect(order.status).toBe(201);
    if (pay) expect((await server.call('POST', `/api/orders/${order.body.order.id}/payments`, { token: shopper.token, body: { card: CARD } })).status).toBe(201);
    return order.body.order.id;
  }

  it('an admin refunds part of an order with restock: the product page shows the stock and the inventory ledger, the order its payment ledger; a resent form refunds once', async () => {
    const { productId, m, l } = await shirt('Refund Tee', 'RT');
    const orderId = await sale([
      { productId, variantId: m, quantity: 2 },
      { productId, variantId: l, quantity: 1 },
    ]);
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/orders/${orderId}`);
    await expectAccessible(page);
    expect(await page.getByRole('row', { name: /RT-M/ }).textContent()).toContain('2');
    expect(await page.getByRole('table', { name: 'Emails of this order' }).textContent()).toContain('order-placed');
    await page.getByLabel('Amount to refund').fill('15.50');
    await page.getByLabel('Reason').fill('one shirt came back scratched');
    await page.getByLabel('Restock Refund Tee (M)').fill('1');
    // The form as the browser is about to send it: replayed below like a second click.
    const form = await page.locator('form[action$="/refund"]').evaluate((f) => [...new FormData(f as HTMLFormElement)].map(([k, v]) => [k, String(v)]));
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Refunded $15.50; 1 back in stock');
    await expectAccessible(page);
    const ledger = page.getByRole('table', { name: 'Payment ledger' });
    expect(await ledger.getByRole('row', { name: /refund/ }).textContent()).toContain('$15.50');
    expect(await ledger.getByRole('row', { name: /capture/ }).textContent()).toContain('$60.00');
    expect(await page.getByRole('row', { name: /scratched/ }).textContent()).toContain('1 × Refund Tee (M)');
    expect(await page.getByText('partially refunded').count()).toBeGreaterThan(0);

    const again = await page.request.post(`${server.url}/admin/orders/${orderId}/refund`, { form: Object.fromEntries(form), maxRedirects: 0 });
    expect(again.status()).toBe(303);
    // The same form edited and sent again (Back, change, resend) is refused: a new refund needs a fresh page.
    const edited = await page.request.post(`${server.url}/admin/orders/${orderId}/refund`, { form: { ...Object.fromEntries(form), amount: '1.00' }, maxRedirects: 0 });
    expect(edited.status()).toBe(422);
    expect(await edited.text()).toContain('This refund form was already used');
    const order = await server.platform.getOrder(orderId);
    expect(order).toMatchObject({ paymentStatus: 'partially_refunded', paidCents: 6000, refundedCents: 1550 });
    expect(order!.paymentLedger.filter((e) => e.kind === 'refund')).toHaveLength(1);

    await page.getByRole('link', { name: 'Refund Tee' }).first().click();
    expect(await page.getByRole('row', { name: /RT-M/ }).textContent()).toContain('4');
    expect(await page.getByRole('row', { name: /RT-L/ }).textContent()).toContain('4');
    const restock = page.getByRole('row', { name: /refund restock/ });
    expect(await restock.count()).toBe(1);
    expect(await restock.textContent()).toContain('+1');
    expect(await restock.getByRole('link', { name: `#${orderId}` }).count()).toBe(1);
    await expectAccessible(page);
    const product = await server.platform.getProduct(productId);
    expect(product?.variants.map((v) => [v.sku, v.stock])).toEqual([
      ['RT-M', 4],
      ['RT-L', 4],
    ]);

    // More than is left, or more restock than ordered: a 4xx page, nothing written.
    await page.goto(`${server.url}/admin/orders/${orderId}`);
    await page.getByLabel('Amount to refund').fill('45.00');
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    expect((await refused).status()).toBe(409);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('left to refund');
    await expectAccessible(page);
    expect((await server.platform.getOrder(orderId))!.refundedCents).toBe(1550);

    // The whole order page (refund form, refunds, ledger, emails) at 360 px: no sideways scrolling.
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const p = await phone.newPage();
      await signIn(p, server.url, ADMIN.email, ADMIN.password);
      await p.goto(`${server.url}/admin/orders/${orderId}`);
      expect(await p.getByLabel('Amount to refund').count()).toBe(1);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await expectAccessible(p);
    } finally {
      await phone.close();
    }
  });

  it('staff are offered no capture or refund, the POST is refused with the 403 page and the API refuses too; nothing is written', async () => {
    const { productId, m } = await shirt('Staff Tee', 'ST');
    const orderId = await sale([{ productId, variantId: m, quantity: 1 }]);
    const unpaid = await sale([{ productId, variantId: m, quantity: 1 }], false);
    await signIn(page, server.url, STAFF.email, STAFF.password);
    await page.goto(`${server.url}/admin/orders/${orderId}`);
    await expectAccessible(page);
    expect(await page.getByRole('button', { name: 'Refund' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Capture payment' }).count()).toBe(0);
    // Cancelling a paid order refunds it: not offered to staff either.
    expect(await page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);
    expect(await page.getByText('Captures and refunds are done by an administrator').count()).toBe(1);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const forged = await page.request.post(`${server.url}/admin/orders/${orderId}/refund`, {
      form: { _csrf: csrf, idempotencyKey: 'admin-refund-forged-1', amount: '5.00', [`restock-${m}`]: '1' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('This page needs an administrator');
    const cancel = await page.request.post(`${server.url}/admin/orders/${orderId}/status`, { form: { _csrf: csrf, status: 'cancelled' }, maxRedirects: 0 });
    expect(cancel.status()).toBe(403);
    expect((await server.call('POST', `/api/admin/orders/${orderId}/refunds`, { token: staffToken, body: { amount: 500 } })).status).toBe(403);
    expect((await server.call('POST', `/api/admin/orders/${orderId}/capture`, { token: staffToken, body: {} })).status).toBe(403);
    const apiCancel = await server.call('POST', `/api/admin/orders/${orderId}/status`, { token: staffToken, body: { status: 'cancelled' } });
    expect(apiCancel.status).toBe(403);
    expect(apiCancel.body.error.code).toBe('forbidden');
    const order = await server.platform.getOrder(orderId);
    expect(order).toMatchObject({ status: 'pending', paymentStatus: 'paid', refundedCents: 0 });
    expect((await server.platform.getProduct(productId))!.variants.find((v) => v.id === m)!.stock).toBe(3);

    // Staff still move orders, and cancel one that holds no money.
    await page.getByRole('button', { name: 'Mark as processing' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Order is now processing');
    await page.goto(`${server.url}/admin/orders/${unpaid}`);
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Order is now cancelled');
    await expectAccessible(page);
    expect((await server.platform.getProduct(productId))!.variants.find((v) => v.id === m)!.stock).toBe(4);
  });

  it('manual capture: an admin captures the authorised payment with the button, once', async () => {
    const settings = server.platform.payments.settings;
    settings.capture = 'manual';
    try {
      const productId = await server.platform.addProduct({ name: 'Capture Kettle', priceCents: 3300, stock: 4 });
      const orderId = await sale([{ productId, quantity: 1 }]);
      expect((await server.platform.getOrder(orderId))!.paymentStatus).toBe('authorized');
      await signIn(page, server.url, ADMIN.email, ADMIN.password);
      await page.goto(`${server.url}/admin/orders/${orderId}`);
      await expectAccessible(page);
      expect(await page.getByRole('button', { name: 'Refund', exact: true }).count()).toBe(0);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      await page.getByRole('button', { name: 'Capture payment' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Captured $33.00');
      expect(await page.getByRole('button', { name: 'Capture payment' }).count()).toBe(0);
      expect(await page.getByRole('table', { name: 'Payment ledger' }).getByRole('row', { name: /capture/ }).count()).toBe(1);
      // A second capture (a stale page) is a conflict, and nothing is captured twice.
      const again = await page.request.post(`${server.url}/admin/orders/${orderId}/capture`, { form: { _csrf: csrf }, maxRedirects: 0 });
      expect(again.status()).toBe(409);
      const order = await server.platform.getOrder(orderId);
      expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: 3300 });
      expect(order!.paymentLedger.filter((e) => e.kind === 'capture')).toHaveLength(1);
      await expectAccessible(page);
    } finally {
      settings.capture = 'automatic';
    }
  });

  it('the orders list filters by payment state in the URL; Export CSV takes the filter and parses back with the payment columns', async () => {
    const productId = await server.platform.addProduct({ name: 'Filter Mug', priceCents: 950, stock: 50 });
    const refunded = await sale([{ productId, quantity: 2 }]);
    const unpaid = await sale([{ productId, quantity: 1 }], false);
    await server.platform.refundOrder(refunded, { amount: 500, reason: 'chipped' });
    await signIn(page, server.url, ADMIN.email, ADMIN.password);
    await page.goto(`${server.url}/admin/orders`);
    await page.getByLabel('Payment').selectOption('partially_refunded');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('payment') === 'partially_refunded', { waitUntil: 'load' });
    await expectAccessible(page);
    expect(await page.getByRole('link', { name: `#${refunded}`, exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: `#${unpaid}`, exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Payment').inputValue()).toBe('partially_refunded');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const rows = parse(await readFile((await (await download).path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.payment_status === 'partially_refunded')).toBe(true);
    expect(rows.find((r) => Number(r.id) === refunded)).toMatchObject({ total: '19.00', paid: '19.00', refunded: '5.00' });
    await page.goto(`${server.url}/admin/orders?payment=unpaid&status=pending`);
    expect(await page.getByRole('link', { name: `#${unpaid}`, exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: `#${refunded}`, exact: true }).count()).toBe(0);
    // An unknown state in a hand-edited URL is ignored like an unknown status: the whole list.
    expect((await page.goto(`${server.url}/admin/orders?payment=bogus`))?.status()).toBe(200);
    expect((await server.call('GET', '/api/admin/orders', { token: adminToken })).status).toBe(200);
  });

  it('the payment filters walk an index in (created_at, id) order: no sort step on either backend', async () => {
    const db = server.platform.db;
    const sql = (where: string) =>
      `SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE ${where} ORDER BY o.created_at DESC, o.id DESC LIMIT 51`;
    for (const [where, index] of [
      ["o.payment_status = 'paid'", 'orders_payment_created_id_idx'],
      ["o.status = 'shipped' AND o.payment_status = 'paid'", 'orders_payment_status_created_id_idx'],
    ] as const) {
      if (db.dialect === 'sqlite') {
        const plan = (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql(where)}`)).map((r) => r.detail).join('\n');
        expect(plan, where).toContain(index);
        expect(plan, where).not.toContain('TEMP B-TREE');
      } else {
        const plan = await db.transaction(async (tx) => {
          // A test table is tiny, where a scan is cheapest: ask for the plan an index would give, as at a million rows.
          await tx.run('SET LOCAL enable_seqscan = off');
          await tx.run('SET LOCAL enable_bitmapscan = off');
          return (await tx.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql(where)}`)).map((r) => r['QUERY PLAN']).join('\n');
        });
        // Which of the two payment indexes PostgreSQL takes depends on its statistics (at a million rows, the longer one).
        expect(plan, where).toMatch(/Index Scan Backward using orders_payment_(status_)?created_id_idx on orders/);
        expect(plan, where).not.toMatch(/\bSort\b/);
      }
    }
  });
});

describe.each(backends)('migration 014 on $name', (backend) => {
  it('backfills the order of existing outbox events, so the order page lists their emails', async () => {
    const { url, cleanup } = await backend.create();
    try {
      const db = await openDriver(url);
      try {
        if (db instanceof PostgresDriver) await db.ensureSchema();
        await migrate(db, 11);
        const at = '2026-01-01T00:00:00.000Z';
        await db.transaction(async (tx) => {
          await tx.run(`INSERT INTO outbox_events (id, type, payload, created_at) VALUES (1, 'order.placed', ?, ?)`, [JSON.stringify({ order: { id: 42, status: 'pending' } }), at]);
          await tx.run(`INSERT INTO outbox_events (id, type, payload, created_at) VALUES (2, 'customer.registered', ?, ?)`, [JSON.stringify({ customerId: 7 }), at]);
        });
        await migrate(db);
        expect(await db.all('SELECT id, order_id FROM outbox_events ORDER BY id')).toEqual([
          { id: 1, order_id: 42 },
          { id: 2, order_id: null },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      await cleanup();
    }
  });
});
