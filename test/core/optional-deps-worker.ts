// Run by optional-deps.test.ts with every optional dependency blocked: the library's whole
// checkout path must work, and a feature that needs a missing package must say so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcommercePlatform } from '../../src/index.js';
import { NotificationRunner } from '../../src/notifications/runner.js';

const url = process.argv[2]!;
const blocked = await import('nodemailer').then(
  () => false,
  () => true,
);
const platform = await EcommercePlatform.open(url);
try {
  const productId = await platform.addProduct({ name: 'Mug', priceCents: 1200, stock: 5 });
  const customerId = await platform.createCustomer({ email: 'ann@example.com', name: 'Ann' });
  await platform.addToCart(customerId, productId, 2);
  const order = (await platform.getOrder(await platform.createOrder(customerId)))!;
  const csv = await platform.importProductsCsv('product,sku\nCup,CUP-1\n').then(
    () => 'imported',
    (e: Error) => e.message,
  );
  // The order's email: one delivery round, which must fail naming nodemailer and leave the message to retry.
  const mailboxDir = mkdtempSync(join(tmpdir(), 'sk-optional-'));
  const runner = new NotificationRunner(platform.db, url, { mail: { mailboxDir } });
  await runner.runOnce();
  await runner.stop();
  rmSync(mailboxDir, { recursive: true, force: true });
  const email = await platform.db.get<{ status: string; last_error: string | null }>("SELECT status, last_error FROM notifications WHERE kind = 'email'");
  console.log(JSON.stringify({ blocked, total: order.totalCents, stock: (await platform.getProduct(productId))?.stock, csv, email }));
} finally {
  await platform.close();
}
