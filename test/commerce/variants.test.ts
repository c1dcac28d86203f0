import { describe, expect, it } from 'vitest';
import { ConflictError, InsufficientStockError, NotFoundError, ValidationError } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, snapshot, usePlatform, untyped } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';

const SHIRT = {
  name: 'Shirt',
  price: 20,
  category: 'Clothing',
  options: [
    { name: 'Size', values: ['S', 'M', 'L'] },
    { name: 'Colour', values: ['Blue', 'Red'] },
  ],
  variants: [
    { sku: 'SH-S-BL', options: { Size: 'S', Colour: 'Blue' }, stock: 2 },
    { sku: 'SH-M-BL', options: { Colour: 'Blue', Size: 'M' }, stock: 3, price: 22.5, weightGrams: 180 },
    { sku: 'SH-L-RE', options: { Size: 'L', Colour: 'Red' }, stock: 0 },
  ],
};

describe.each(backends)('variants on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('a product with options has its variants: SKU, title, own price or the product’s, own stock; product stock is the sum', async () => {
    const id = await ctx.platform.addProduct(SHIRT);
    const p = (await ctx.platform.getProduct(id))!;
    expect(p.stock).toBe(5);
    expect(p.currency).toBe('USD');
    expect(p.options).toEqual(SHIRT.options);
    expect(p.variants.map((x) => [x.sku, x.title, x.options, x.priceCents, x.stock, x.weightGrams])).toEqual([
      ['SH-S-BL', 'S / Blue', { Size: 'S', Colour: 'Blue' }, 2000, 2, null],
      ['SH-M-BL', 'M / Blue', { Size: 'M', Colour: 'Blue' }, 2250, 3, 180],
      ['SH-L-RE', 'L / Red', { Size: 'L', Colour: 'Red' }, 2000, 0, null],
    ]);
    // A variant without its own price follows the product's.
    await ctx.platform.updateProduct(id, { price: 21 });
    expect((await ctx.platform.getProduct(id))!.variants.map((x) => x.price)).toEqual([21, 22.5, 21]);
    await assertLedgerInvariant(ctx.platform);
  });

  it('a product without options has one default variant, and every existing call behaves as before', async () => {
    const id = await ctx.platform.addProduct({ name: 'Mug', price: 8, stock: 4, sku: 'MUG-1', weightGrams: 350 });
    const p = (await ctx.platform.getProduct(id))!;
    expect(p.options).toEqual([]);
    expect(p.variants).toEqual([
      { id: expect.any(Number), productId: id, sku: 'MUG-1', title: 'Default', options: {}, price: 8, priceCents: 800, stock: 4, weightGrams: 350, isDefault: true },
    ]);
    expect(await ctx.platform.updateStock(id, 3)).toBe(7);
    await ctx.platform.updateProduct(id, { stock: 5 });
    const c = await ctx.platform.createCustomer({ email: 'mug@example.com', name: 'Mug fan' });
    await ctx.platform.addToCart(c, id, 2);
    const orderId = await ctx.platform.createOrder(c);
    const order = (await ctx.platform.getOrder(orderId))!;
    expect(order.items[0]).toMatchObject({ productId: id, variantId: p.variants[0]!.id, sku: 'MUG-1', variantTitle: 'Default', quantity: 2 });
    expect((await ctx.platform.getProduct(id))!.stock).toBe(3);
    const movements = await ctx.platform.getInventoryMovements(id);
    expect(movements.every((m) => m.variantId === p.variants[0]!.id)).toBe(true);
    await assertLedgerInvariant(ctx.platform);
  });

  it('stock and cart calls that name only a multi-variant product list its variants; a variant of another product is a 404', async () => {
    const shirt = await ctx.platform.addProduct(SHIRT);
    const mug = await ctx.platform.addProduct({ name: 'Mug', price: 8, stock: 4 });
    const [small, medium] = (await ctx.platform.getProduct(shirt))!.variants;
    const c = await ctx.platform.createCustomer({ email: 'choose@example.com', name: 'Chooser' });
    const before = await snapshot(ctx.platform);
    const listing = await expectError(ctx.platform.addToCart(c, shirt, 1), ValidationError, 'validation_failed', 'cart');
    expect(listing.details[0]!.path).toBe('variantId');
    expect(listing.details[0]!.message).toContain(`${small!.id} (S / Blue, SKU SH-S-BL)`);
    await expectError(ctx.platform.updateStock(shirt, 1), ValidationError, 'validation_failed', 'stock');
    await expectError(ctx.platform.updateProduct(shirt, { stock: 9 }), ValidationError, 'validation_failed', 'stock set');
    await expectError(ctx.platform.addToCart(c, mug, 1, { variantId: medium!.id }), NotFoundError, 'not_found', 'other product');
    await expectError(ctx.platform.addToCart(c, shirt, 4, { variantId: medium!.id }), InsufficientStockError, 'insufficient_stock', 'over stock');
    expect(await snapshot(ctx.platform)).toEqual(before);
    await ctx.platform.addToCart(c, shirt, 2, { variantId: medium!.id });
    await ctx.platform.addToCart(c, shirt, 1, { variantId: small!.id });
    const cart = await ctx.platform.getCart(c);
    expect(cart.map((l) => [l.variantId, l.sku, l.variantTitle, l.quantity, l.priceCents])).toEqual([
      [small!.id, 'SH-S-BL', 'S / Blue', 1, 2000],
      [medium!.id, 'SH-M-BL', 'M / Blue', 2, 2250],
    ]);
    await expectError(ctx.platform.removeFromCart(c, shirt), ValidationError, 'validation_failed', 'two lines of one product');
    await ctx.platform.setCartQuantity(c, shirt, 3, { variantId: medium!.id });
    await ctx.platform.removeFromCart(c, shirt, undefined, { variantId: small!.id });
    expect((await ctx.platform.getCart(c)).map((l) => [l.variantId, l.quantity])).toEqual([[medium!.id, 3]]);
  });

  it('refuses a duplicate SKU (409), unknown option values (400) and a repeated combination (409), writing nothing', async () => {
    const shirt = await ctx.platform.addProduct(SHIRT);
    const before = await snapshot(ctx.platform);
    const dup = await expectError(ctx.platform.addProduct({ ...SHIRT, name: 'Copy' }), ConflictError, 'conflict', 'duplicate SKU');
    expect(dup.details).toMatchObject({ field: 'sku', sku: 'SH-S-BL' });
    await expectError(ctx.platform.addVariant(shirt, { sku: 'SH-S-BL', options: { Size: 'L', Colour: 'Blue' } }), ConflictError, 'conflict', 'dup variant SKU');
    await expectError(ctx.platform.addVariant(shirt, { sku: 'NEW-1', options: { Size: 'S', Colour: 'Blue' } }), ConflictError, 'conflict', 'combination');
    const xl = await expectError(ctx.platform.addVariant(shirt, { sku: 'NEW-2', options: { Size: 'XL', Colour: 'Blue' } }), ValidationError, 'validation_failed', 'value');
    expect(xl.details[0]!.path).toBe('variant.options.Size');
    await expectError(ctx.platform.addVariant(shirt, { sku: 'NEW-3', options: { Size: 'S' } }), ValidationError, 'validation_failed', 'missing option');
    await expectError(ctx.platform.addVariant(shirt, untyped({ sku: 'NEW-4', options: { Size: 'S', Colour: 'Blue', Fit: 'Slim' } })), ValidationError, 'validation_failed', 'unknown option');
    await expectError(
      ctx.platform.addProduct({ name: 'Twins', price: 1, options: [{ name: 'Size', values: ['S'] }], variants: [{ sku: 'T-1', options: { Size: 'S' } }, { sku: 'T-1', options: { Size: 'S' } }] }),
      ConflictError,
      'conflict',
      'twice in one call',
    );
    await expectError(ctx.platform.addProduct(untyped({ name: 'Half', price: 1, options: [{ name: 'Size', values: ['S'] }] })), ValidationError, 'validation_failed', 'options alone');
    await expectError(ctx.platform.addProduct(untyped({ ...SHIRT, name: 'Stocked', stock: 3 })), ValidationError, 'validation_failed', 'stock with variants');
    const mug = await ctx.platform.addProduct({ name: 'Mug', price: 8, stock: 4 });
    const after = await snapshot(ctx.platform);
    await expectError(ctx.platform.addVariant(mug, { sku: 'MUG-X', options: {} }), ValidationError, 'validation_failed', 'no options');
    expect(await snapshot(ctx.platform)).toEqual(after);
    expect(before.product_variants).toEqual(after.product_variants!.slice(0, before.product_variants!.length));
  });

  it('adds and changes variants; variant stock goes through the ledger per variant and per product', async () => {
    const shirt = await ctx.platform.addProduct(SHIRT);
    const added = await ctx.platform.addVariant(shirt, { sku: 'SH-S-RE', options: { Size: 'S', Colour: 'Red' }, stock: 4, priceCents: 1999 });
    expect(added).toMatchObject({ productId: shirt, title: 'S / Red', stock: 4, price: 19.99 });
    expect(await ctx.platform.updateVariantStock(added.id, -1, 'damaged')).toBe(3);
    await expectError(ctx.platform.updateVariantStock(added.id, -4), InsufficientStockError, 'insufficient_stock', 'below zero');
    const changed = await ctx.platform.updateVariant(added.id, { sku: 'SH-S-RD', price: null, weightGrams: 170 });
    expect(changed).toMatchObject({ sku: 'SH-S-RD', priceCents: 2000, weightGrams: 170 });
    await expectError(ctx.platform.updateVariant(added.id, { sku: 'SH-M-BL' }), ConflictError, 'conflict', 'SKU taken');
    await expectError(ctx.platform.updateVariant(added.id, { options: { Size: 'M', Colour: 'Blue' } }), ConflictError, 'conflict', 'combination taken');
    await expectError(ctx.platform.updateVariant(987654, { sku: 'NOPE' }), NotFoundError, 'not_found', 'missing');
    // Options may gain values (then variants may use them), never lose a used one.
    await ctx.platform.updateProduct(shirt, { options: [{ name: 'Size', values: ['S', 'M', 'L', 'XL'] }, { name: 'Colour', values: ['Blue', 'Red'] }] });
    await ctx.platform.updateProduct(shirt, { variants: [{ sku: 'SH-XL-BL', options: { Size: 'XL', Colour: 'Blue' }, stock: 1 }] });
    await expectError(
      ctx.platform.updateProduct(shirt, { options: [{ name: 'Size', values: ['M', 'L', 'XL'] }, { name: 'Colour', values: ['Blue', 'Red'] }] }),
      ValidationError,
      'validation_failed',
      'removing a used value',
    );
    const p = (await ctx.platform.getProduct(shirt))!;
    expect(p.stock).toBe(2 + 3 + 0 + 3 + 1);
    const moves = await ctx.platform.getInventoryMovements(shirt);
    expect(moves.filter((m) => m.variantId === added.id).map((m) => m.delta)).toEqual([4, -1]);
    await assertLedgerInvariant(ctx.platform);
  });

  it('variant writes invalidate cached listings; search finds a product by SKU and filters by option values', async () => {
    const shirt = await ctx.platform.addProduct(SHIRT);
    await ctx.platform.addProduct({ name: 'Plain mug', price: 8, stock: 4, sku: 'MUG-1' });
    const first = await ctx.platform.getProducts();
    expect(first[0]!.variants[1]!.priceCents).toBe(2250);
    const medium = first[0]!.variants[1]!;
    await ctx.platform.updateVariant(medium.id, { price: 30 });
    expect((await ctx.platform.getProducts())[0]!.variants[1]!.priceCents).toBe(3000);
    expect((await ctx.platform.search({ q: 'Shirt' })).items[0]!.variants[1]!.priceCents).toBe(3000);
    await ctx.platform.updateVariantStock(medium.id, 5);
    expect((await ctx.platform.search({ q: 'Shirt' })).items[0]!.variants[1]!.stock).toBe(8);
    expect((await ctx.platform.search({ q: 'SH-M-BL' })).items.map((p) => p.id)).toEqual([shirt]);
    expect((await ctx.platform.search({ q: 'MUG-1' })).items.map((p) => p.name)).toEqual(['Plain mug']);
    expect((await ctx.platform.search({ options: { Size: 'M' } })).items.map((p) => p.id)).toEqual([shirt]);
    expect((await ctx.platform.search({ options: { Size: 'M', Colour: 'Blue' } })).items.map((p) => p.id)).toEqual([shirt]);
    // No single variant is "M / Red".
    expect((await ctx.platform.search({ options: { Size: 'M', Colour: 'Red' } })).items).toEqual([]);
    expect((await ctx.platform.search({ options: { Size: 'XS' } })).items).toEqual([]);
  });
});
