/**
 * npm run screenshots:admin — renders docs/screenshots/admin-{dashboard,order,product,webhooks}.png: the
 * demo catalog, a few weeks of orders placed and paid through the engine (the order shown partly
 * refunded with restock), the real server, real Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AuthService } from '../src/auth/service.js';
import { loadDemoCatalog } from '../src/http/demo-catalog.js';
import { buildServer } from '../src/http/server.js';
import { EcommercePlatform } from '../src/index.js';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sk-shots-'));
const platform = await EcommercePlatform.open(join(dir, 'shop.db'));
try {
  await loadDemoCatalog(platform);
  const products = (await platform.search({ limit: 8 })).items;
  const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];
  const [method] = await platform.listShippingMethods();
  if (!method) throw new Error('the demo catalog has a shipping method');
  const customers = [];
  for (const [i, name] of names.entries()) customers.push(await platform.createCustomer({ email: `${name.split(' ')[0]!.toLowerCase()}@example.com`, name, address: `${i + 1} Main Street` }));
  let orderId = 0;
  for (let i = 0; i < 24; i++) {
    const customer = customers[i % customers.length]!;
    await platform.addToCart(customer, products[i % products.length]!.id, 1 + (i % 3));
    await platform.addToCart(customer, products[(i + 3) % products.length]!.id, 1);
    // The demo shop ships (one method everywhere): each order names it and an address.
    orderId = await platform.createOrder(customer, {
      shippingMethodId: method.id,
      shippingAddress: { name: names[i % names.length]!, line1: `${(i % 6) + 1} Main Street`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    // Spread over the last weeks so the chart has a shape.
    const at = new Date(Date.now() - (i % 12) * 2 * 86_400_000 - i * 3_600_000).toISOString();
    await platform.db.run('UPDATE orders SET created_at = ?, updated_at = ? WHERE id = ?', [at, at, orderId]);
    if (i % 4 !== 0 || i % 8 === 0) await platform.payOrder(orderId, { card: '4242424242424242' });
    if (i % 4 === 1) await platform.updateOrderStatus(orderId, 'processing');
    if (i % 4 === 2) {
      await platform.updateOrderStatus(orderId, 'processing');
      await platform.updateOrderStatus(orderId, 'shipped');
    }
  }
  // The order shown: partly refunded with one item back in stock, so its page has a ledger, a refund and emails.
  const shown = (await platform.getOrder(orderId))!;
  const line = shown.items.find((item) => item.variantId !== null)!;
  await platform.refundOrder(orderId, { amount: line.priceCents, reason: 'arrived damaged', restock: [{ variantId: line.variantId!, quantity: 1 }] });
  await platform.updateProduct(products[0]!.id, { priceCents: products[0]!.priceCents - 500 });
  await platform.updateStock(products[0]!.id, 5, 'delivery from the supplier');
  const shirt = await platform.addProduct({
    name: 'Harbour Shirt',
    description: 'Washed cotton, relaxed fit.',
    category: 'Clothing',
    priceCents: 3000,
    options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
    variants: [
      { sku: 'HS-S', options: { Size: 'S' }, stock: 12 },
      { sku: 'HS-M', options: { Size: 'M' }, stock: 3 },
      { sku: 'HS-L', options: { Size: 'L' }, priceCents: 3250, stock: 7 },
    ],
  });
  const hook = await platform.webhooks.create({ url: 'https://erp.example.com/hooks/storekeeper', events: ['order.placed', 'order.paid'], description: 'ERP' });
  const app = await buildServer(platform, { logger: false, auth: { scryptCost: 1024 } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  await new AuthService(platform.db, { scryptCost: 1024 }).createAdmin({ email: 'owner@example.com', password: 'owner password', name: 'Owner' });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/admin/sign-in`);
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill('owner password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sales-chart canvas').first().waitFor();
    await page.screenshot({ path: `${out}admin-dashboard.png`, fullPage: true });
    await page.goto(`${base}/admin/orders/${orderId}`);
    await page.screenshot({ path: `${out}admin-order.png`, fullPage: true });
    await page.goto(`${base}/admin/products/${shirt}`);
    await page.screenshot({ path: `${out}admin-product.png`, fullPage: true });
    await page.goto(`${base}/admin/webhooks/${hook.id}`);
    await page.screenshot({ path: `${out}admin-webhooks.png`, fullPage: true });
    console.log(`wrote ${out}admin-{dashboard,order,product,webhooks}.png`);
  } finally {
    await browser.close();
    await app.close();
  }
} finally {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
}
