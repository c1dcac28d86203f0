import { expect } from 'vitest';
import type { EcommercePlatform } from '../../src/index.js';
import { TEST_CARDS } from '../../src/payments/providers/test.js';

export { TEST_CARDS };

let seq = 0;

/** A customer with one pending order of `quantity` × a product at `priceCents`; returns the ids. */
export async function placeOrder(
  platform: EcommercePlatform,
  options: { priceCents?: number; quantity?: number; stock?: number } = {},
): Promise<{ orderId: number; customerId: number; productId: number; totalCents: number }> {
  const priceCents = options.priceCents ?? 2500;
  const quantity = options.quantity ?? 2;
  const productId = await platform.addProduct({ name: `Thing ${seq}`, price: priceCents / 100, stock: options.stock ?? 10 });
  const customerId = await platform.createCustomer({ email: `buyer${process.pid}_${seq++}@example.com`, name: 'Buyer' });
  await platform.addToCart(customerId, productId, quantity);
  const orderId = await platform.createOrder(customerId);
  return { orderId, customerId, productId, totalCents: priceCents * quantity };
}

/** The payment invariants on one order: figures equal the ledger, refunded ≤ paid ≤ authorised ≤ total. */
export async function assertPaymentInvariants(platform: EcommercePlatform, orderId: number): Promise<void> {
  const order = (await platform.getOrder(orderId))!;
  const sum = (kind: string) => order.paymentLedger.filter((e) => e.kind === kind).reduce((n, e) => n + e.amountCents, 0);
  expect(order.paidCents).toBe(sum('capture'));
  expect(order.refundedCents).toBe(sum('refund'));
  expect(order.refundedCents).toBeLessThanOrEqual(order.paidCents);
  expect(order.paidCents).toBeLessThanOrEqual(order.authorizedCents);
  expect(order.authorizedCents).toBeLessThanOrEqual(order.totalCents);
}

export async function stockOf(platform: EcommercePlatform, productId: number): Promise<number> {
  return (await platform.getProduct(productId))!.stock;
}

export async function ledgerStock(platform: EcommercePlatform, productId: number): Promise<number> {
  const rows = await platform.query('SELECT COALESCE(SUM(delta), 0) AS s FROM inventory_movements WHERE product_id = ' + Number(productId));
  return Number(rows[0]!.s);
}
