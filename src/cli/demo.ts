import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Order } from '../orders/service.js';
import type { OrderStatus } from '../orders/status.js';
import type { EcommercePlatform } from '../platform.js';
import { PaymentDeclinedError } from '../payments/errors.js';
import { TEST_CARDS } from '../payments/providers/test.js';
import { action, describeTarget, openPlatform } from './common.js';
import { formatCents, renderTable } from './table.js';

const PRODUCTS = [
  { name: 'Laptop', description: '14-inch, 16 GB RAM, 512 GB SSD', price: 999.99, stock: 10, category: 'Electronics' },
  { name: 'Mouse', description: 'Wireless, ergonomic', price: 29.99, stock: 50, category: 'Electronics' },
  { name: 'Keyboard', description: 'Mechanical, backlit', price: 79.99, stock: 25, category: 'Electronics' },
  { name: 'The Pragmatic Shopkeeper', description: 'Running a small online store', price: 39.99, stock: 15, category: 'Books' },
  { name: 'Databases for Merchants', description: 'Ledgers, orders and stock explained', price: 44.5, stock: 8, category: 'Books' },
];
const CART: Array<[name: string, quantity: number]> = [
  ['Laptop', 1],
  ['Mouse', 2],
  ['Keyboard', 1],
];
const JOURNEY: OrderStatus[] = ['processing', 'shipped', 'delivered'];
const INDENT = '   ';

const say = (text = '') => console.log(text);
const step = (n: number, title: string) => say(`\n${n}. ${title}`);
const table = (...args: Parameters<typeof renderTable>) => say(renderTable(args[0], args[1], { indent: INDENT, ...args[2] }));

function showOrder(order: Order): void {
  say(`${INDENT}Order #${order.id} for ${order.customerName} <${order.customerEmail}>`);
  say(`${INDENT}Status: ${order.status}   Placed: ${order.createdAt}`);
  say();
  table(
    ['Product', 'Qty', 'Price', 'Subtotal'],
    order.items.map((i) => [i.productName, i.quantity, formatCents(i.priceCents), formatCents(i.subtotalCents)]),
    { footer: ['Total', '', '', formatCents(order.totalCents)] },
  );
}

/** The prototype's story, step by step, through the public library API only. */
async function tellStory(platform: EcommercePlatform, email: string): Promise<void> {
  step(1, 'A customer signs up');
  const customerId = await platform.createCustomer({ email, name: 'Alice Example', address: '12 Market Street, Springfield', phone: '+1 555 0100' });
  const customer = (await platform.getCustomer(customerId))!;
  say(`${INDENT}Customer #${customer.id}: ${customer.name} <${customer.email}>, ${customer.address}`);

  step(2, 'The shop adds five products in two categories');
  const ids = new Map<string, number>();
  for (const p of PRODUCTS) ids.set(p.name, await platform.addProduct(p));
  const added = await Promise.all([...ids.values()].map(async (id) => (await platform.getProduct(id))!));
  table(
    ['ID', 'Product', 'Category', 'Price', 'Stock'],
    added.map((p) => [p.id, p.name, p.category, formatCents(p.priceCents), p.stock]),
  );

  step(3, 'Alice browses Electronics');
  const electronics = await platform.getProducts({ category: 'Electronics' });
  table(
    ['Product', 'Description', 'Price', 'In stock'],
    electronics.map((p) => [p.name, p.description, formatCents(p.priceCents), p.stock]),
  );

  step(4, 'Alice fills her cart');
  for (const [name, quantity] of CART) await platform.addToCart(customerId, ids.get(name)!, quantity);
  const cart = await platform.getCart(customerId);
  const cartCents = cart.reduce((sum, line) => sum + line.subtotalCents, 0);
  table(
    ['Product', 'Qty', 'Price', 'Subtotal'],
    cart.map((line) => [line.productName, line.quantity, formatCents(line.priceCents), formatCents(line.subtotalCents)]),
    { footer: ['Total', '', '', formatCents(cartCents)] },
  );

  step(5, 'Alice checks out');
  const before = new Map(cart.map((line) => [line.productId, line.availableStock]));
  const orderId = await platform.createOrder(customerId, { idempotencyKey: `demo-checkout-${customerId}` });
  const placed = (await platform.getOrder(orderId))!;
  const cartAfter = await platform.getCart(customerId);
  const cartState = cartAfter.length === 0 ? 'the cart is empty again' : `${cartAfter.length} cart lines left`;
  say(`${INDENT}Order #${orderId} placed: ${placed.status}, total ${formatCents(placed.totalCents)}; ${cartState}.`);
  say(`${INDENT}Stock taken in the same transaction:`);
  for (const line of cart) {
    const now = (await platform.getProduct(line.productId))!.stock;
    say(`${INDENT}  ${line.productName.padEnd(10)} ${String(before.get(line.productId)).padStart(3)} -> ${String(now).padStart(3)}`);
  }

  step(6, 'The order');
  showOrder(placed);

  step(7, 'Alice pays with the built-in test provider');
  try {
    await platform.payOrder(orderId, { provider: 'test', card: TEST_CARDS.declined });
  } catch (e) {
    if (!(e instanceof PaymentDeclinedError)) throw e;
    say(`${INDENT}Card ${TEST_CARDS.declined}: declined (the order stays unpaid and payable)`);
  }
  const payment = await platform.payOrder(orderId, { provider: 'test', card: TEST_CARDS.success });
  const paid = (await platform.getOrder(orderId))!;
  say(`${INDENT}Card ${TEST_CARDS.success}: payment #${payment.id} ${payment.status}, ${formatCents(payment.amountCents)} ${payment.currency}`);
  say(`${INDENT}Order payment status: ${paid.paymentStatus}, paid ${formatCents(paid.paidCents)}`);

  step(8, 'The shop processes, ships and delivers it');
  let status: OrderStatus = placed.status;
  for (const next of JOURNEY) {
    const updated = await platform.updateOrderStatus(orderId, next);
    say(`${INDENT}${status.padEnd(10)} -> ${updated.status}`);
    status = updated.status;
  }

  step(9, 'Alice sends one mouse back: a partial refund, the mouse back in stock');
  const mouse = ids.get('Mouse')!;
  const mouseProduct = (await platform.getProduct(mouse))!;
  const restock = [{ variantId: mouseProduct.variants[0]!.id, quantity: 1 }];
  const refund = await platform.refundOrder(orderId, { amount: mouseProduct.priceCents, reason: 'returned', restock }, `demo-refund-${orderId}`);
  const refunded = (await platform.getOrder(orderId))!;
  say(`${INDENT}Refund #${refund.id} ${refund.status}: ${formatCents(refund.amountCents)}; order ${refunded.paymentStatus}, paid ${formatCents(refunded.paidCents)}, refunded ${formatCents(refunded.refundedCents)}`);
  say();
  table(
    ['Payment ledger', 'Amount', 'At (UTC)'],
    refunded.paymentLedger.map((e) => [e.kind, formatCents(e.amountCents), e.at]),
  );

  step(10, "Alice's order history");
  for (const order of await platform.getCustomerOrders(customerId)) {
    const items = order.items.reduce((n, i) => n + i.quantity, 0);
    say(`${INDENT}Order #${order.id}   ${order.status}   ${formatCents(order.totalCents)}   ${items} items`);
    say();
    table(['Status', 'At (UTC)'], order.statusHistory.map((h) => [h.status, h.at]));
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description("walk through the engine's story: a customer, products, cart, checkout, payment, order tracking to delivered, a partial refund")
    .option('--db <target>', 'SQLite file or postgres:// URL to use (default: a fresh temporary database, removed afterwards)')
    .action(
      action(async (flags: { db?: string }) => {
        const tempDir = flags.db ? undefined : mkdtempSync(join(tmpdir(), 'storekeeper-demo-'));
        const target = flags.db ?? join(tempDir!, 'store.db');
        // On a database of the user's own the customer's email must not clash with an earlier run.
        const email = flags.db ? `alice.${Date.now().toString(36)}@example.com` : 'alice@example.com';
        const platform = await openPlatform(target);
        try {
          say(`Storekeeper demo on ${describeTarget(target)}${tempDir ? ' (temporary, removed afterwards; use --db PATH to keep one)' : ''}`);
          await tellStory(platform, email);
          say('\nDone.');
        } finally {
          await platform.close();
          if (tempDir) rmSync(tempDir, { recursive: true, force: true });
        }
      }),
    );
}
