// Run by optional-deps.test.ts with every optional dependency blocked: the library's whole
// checkout path must work, and a feature that needs a missing package must say so.
import { EcommercePlatform } from '../../src/index.js';

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
  console.log(JSON.stringify({ blocked, total: order.totalCents, stock: (await platform.getProduct(productId))?.stock, csv }));
} finally {
  await platform.close();
}
