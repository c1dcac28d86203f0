import { describe, expect, it } from 'vitest';
import { InsufficientStockError, NotFoundError, ValidationError } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

describe.each(backends)('cart on $name', (backend) => {
  const ctx = usePlatform(backend);

  async function setup(stock = 5, price = 0.1): Promise<{ customer: number; product: number }> {
    const customer = await ctx.platform.createCustomer({ email: 'cart@example.com', name: 'Cart Owner' });
    const product = await ctx.platform.addProduct({ name: 'Dime', price, stock });
    return { customer, product };
  }

  it('addToCart adds 1 by default and adds to an existing line', async () => {
    const { customer, product } = await setup();
    await ctx.platform.addToCart(customer, product);
    await ctx.platform.addToCart(customer, product, 2);
    expect(await ctx.platform.getCart(customer)).toEqual([
      expect.objectContaining({ productId: product, productName: 'Dime', price: 0.1, quantity: 3, subtotal: 0.3, availableStock: 5 }),
    ]);
  });

  it('getCart has the documented shape with exact subtotals, ordered by product', async () => {
    const customer = await ctx.platform.createCustomer({ email: 'shape@example.com', name: 'Shape' });
    const mouse = await ctx.platform.addProduct({ name: 'Mouse', price: 29.99, stock: 10 });
    const laptop = await ctx.platform.addProduct({ name: 'Laptop', price: 999.99, stock: 2 });
    await ctx.platform.addToCart(customer, laptop, 1);
    await ctx.platform.addToCart(customer, mouse, 3);
    const cart = await ctx.platform.getCart(customer);
    const [mouseVariant, laptopVariant] = [(await ctx.platform.getProduct(mouse))!.variants[0]!.id, (await ctx.platform.getProduct(laptop))!.variants[0]!.id];
    const line = { sku: null, variantTitle: 'Default', category: null };
    expect(cart).toEqual([
      { productId: mouse, variantId: mouseVariant, ...line, productName: 'Mouse', price: 29.99, priceCents: 2999, quantity: 3, subtotal: 89.97, subtotalCents: 8997, availableStock: 10 },
      { productId: laptop, variantId: laptopVariant, ...line, productName: 'Laptop', price: 999.99, priceCents: 99999, quantity: 1, subtotal: 999.99, subtotalCents: 99999, availableStock: 2 },
    ]);
    // The cart shows the current price and stock; nothing is reserved by adding to a cart.
    await ctx.platform.updateProduct(mouse, { price: 25 });
    await ctx.platform.updateStock(laptop, 3);
    expect(await ctx.platform.getCart(customer)).toEqual([
      expect.objectContaining({ productId: mouse, price: 25, subtotal: 75, subtotalCents: 7500 }),
      expect.objectContaining({ productId: laptop, availableStock: 5 }),
    ]);
    expect((await ctx.platform.getProduct(laptop))!.stock).toBe(5);
  });

  it('a line can never exceed stock: InsufficientStockError, cart unchanged', async () => {
    const { customer, product } = await setup(3);
    await ctx.platform.addToCart(customer, product, 2);
    const before = await snapshot(ctx.platform);
    const err = await expectError(ctx.platform.addToCart(customer, product, 2), InsufficientStockError, 'insufficient_stock');
    expect(err).toMatchObject({ productId: product, available: 3, requested: 4 });
    await expectError(ctx.platform.addToCart(customer, product, 100), InsufficientStockError, 'insufficient_stock');
    expect(await snapshot(ctx.platform)).toEqual(before);
    await ctx.platform.addToCart(customer, product, 1);
    expect((await ctx.platform.getCart(customer))[0]!.quantity).toBe(3);
  });

  it('refuses unknown customers and products with NotFoundError', async () => {
    const { customer, product } = await setup();
    const before = await snapshot(ctx.platform);
    const e1 = await expectError(ctx.platform.addToCart(999, product), NotFoundError, 'not_found');
    expect(e1.entity).toBe('Customer');
    const e2 = await expectError(ctx.platform.addToCart(customer, 999), NotFoundError, 'not_found');
    expect(e2.entity).toBe('Product');
    await expectError(ctx.platform.getCart(999), NotFoundError, 'not_found');
    await expectError(ctx.platform.clearCart(999), NotFoundError, 'not_found');
    await expectError(ctx.platform.removeFromCart(customer, product), NotFoundError, 'not_found');
    await expectError(ctx.platform.removeFromCart(999, product), NotFoundError, 'not_found');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('refuses a zero, negative, fractional or non-number quantity and writes nothing', async () => {
    const { customer, product } = await setup();
    await ctx.platform.addToCart(customer, product, 1);
    const before = await snapshot(ctx.platform);
    for (const qty of [0, -1, 1.5, '2', NaN, null]) {
      const label = `quantity ${String(qty)}`;
      await expectError(ctx.platform.addToCart(customer, product, untyped(qty)), ValidationError, 'validation_failed', label);
      await expectError(ctx.platform.removeFromCart(customer, product, untyped(qty)), ValidationError, 'validation_failed', label);
    }
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  it('refuses non-id arguments', async () => {
    const { customer, product } = await setup();
    await expectError(ctx.platform.addToCart(untyped('1'), product), ValidationError, 'validation_failed');
    await expectError(ctx.platform.addToCart(customer, untyped(null)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.getCart(untyped(undefined)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.clearCart(-5), ValidationError, 'validation_failed');
    await expectError(ctx.platform.removeFromCart(customer, 0), ValidationError, 'validation_failed');
  });

  it('removeFromCart reduces a line, or removes it when the quantity is omitted or reaches zero', async () => {
    const { customer, product } = await setup(10);
    await ctx.platform.addToCart(customer, product, 5);
    await ctx.platform.removeFromCart(customer, product, 2);
    expect((await ctx.platform.getCart(customer))[0]!.quantity).toBe(3);
    await ctx.platform.removeFromCart(customer, product, 3);
    expect(await ctx.platform.getCart(customer)).toEqual([]);
    await ctx.platform.addToCart(customer, product, 4);
    await ctx.platform.removeFromCart(customer, product, 10);
    expect(await ctx.platform.getCart(customer)).toEqual([]);
    await ctx.platform.addToCart(customer, product, 4);
    await ctx.platform.removeFromCart(customer, product);
    expect(await ctx.platform.getCart(customer)).toEqual([]);
  });

  it('concurrent adds to one line never take it past the stock', async () => {
    const { customer, product } = await setup(5);
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getCart(customer))); // open the pool's connections
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ctx.platform.addToCart(customer, product, 2)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientStockError);
    expect(ok).toBe(2);
    expect((await ctx.platform.getCart(customer))[0]!.quantity).toBe(4);
  });

  it('a line added while the cart checks out is either ordered or still in the cart, never lost', async () => {
    const customer = await ctx.platform.createCustomer({ email: 'race@example.com', name: 'Race' });
    const products: number[] = [];
    for (let i = 0; i < 8; i++) products.push(await ctx.platform.addProduct({ name: `R${i}`, price: 1, stock: 10 }));
    await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getCart(customer)));
    for (let round = 0; round < 4; round++) {
      const [first, ...rest] = products.slice(round * 2, round * 2 + 2);
      await ctx.platform.addToCart(customer, first!, 1);
      const [order] = await Promise.all([ctx.platform.createOrder(customer), ...rest.map((p) => ctx.platform.addToCart(customer, p, 1))]);
      const ordered = (await ctx.platform.getOrder(order as number))!.items.map((i) => i.productId);
      const inCart = (await ctx.platform.getCart(customer)).map((i) => i.productId);
      expect([...ordered, ...inCart].sort((a, b) => a - b), `round ${round}`).toEqual([first, ...rest].sort((a, b) => a! - b!));
      await ctx.platform.clearCart(customer);
    }
  });

  it('clearCart empties only that customer’s cart; an empty cart is []', async () => {
    const { customer, product } = await setup(10);
    const other = await ctx.platform.createCustomer({ email: 'other@example.com', name: 'Other' });
    expect(await ctx.platform.getCart(customer)).toEqual([]);
    await ctx.platform.addToCart(customer, product, 2);
    await ctx.platform.addToCart(other, product, 3);
    await ctx.platform.clearCart(customer);
    expect(await ctx.platform.getCart(customer)).toEqual([]);
    expect((await ctx.platform.getCart(other))[0]!.quantity).toBe(3);
    await ctx.platform.clearCart(customer);
    expect((await ctx.platform.getProduct(product))!.stock).toBe(10);
  });
});
