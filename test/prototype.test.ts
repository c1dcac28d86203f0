import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EcommercePlatform } from '../src/index.js';
import { backends, openFresh } from './backends.js';

describe.each(backends)('the prototype scenario on $name', (backend) => {
  let platform: EcommercePlatform;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ platform, dispose } = await openFresh(backend));
  });
  afterEach(async () => dispose());

  it('creates customer and product, adds to cart, orders: total 99.99 with one item', async () => {
    const customerId = await platform.createCustomer({ email: 'test@example.com', name: 'Test User' });
    const productId = await platform.addProduct({ name: 'Test Product', description: 'Description', price: 99.99, stock: 10 });
    await platform.addToCart(customerId, productId, 1);
    const orderId = await platform.createOrder(customerId);
    const order = await platform.getOrder(orderId);
    expect(order?.totalAmount).toBe(99.99);
    expect(order?.totalCents).toBe(9999);
    expect(order?.items).toHaveLength(1);
    expect((await platform.getProduct(productId))?.stock).toBe(9);
    expect(await platform.getCart(customerId)).toEqual([]);
  });
});
