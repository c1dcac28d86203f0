import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, type NewProduct, type ProductPatch } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(backends)('catalog on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('adds a product: price 999.99 in, price 999.99 and priceCents 99999 out', async () => {
    const id = await ctx.platform.addProduct({
      name: 'Laptop',
      description: 'Fast',
      price: 999.99,
      stock: 5,
      category: 'Electronics',
      imageUrl: 'https://example.com/l.png',
    });
    expect(await ctx.platform.getProduct(id)).toMatchObject({
      id,
      name: 'Laptop',
      description: 'Fast',
      price: 999.99,
      priceCents: 99999,
      stock: 5,
      category: 'Electronics',
      imageUrl: 'https://example.com/l.png',
      createdAt: expect.stringMatching(ISO_UTC),
    });
  });

  it('defaults description, category and image', async () => {
    const id = await ctx.platform.addProduct({ name: 'Plain', price: 1, stock: 0 });
    expect(await ctx.platform.getProduct(id)).toMatchObject({ description: '', category: null, imageUrl: null, price: 1, priceCents: 100, stock: 0 });
  });

  it('stores exact cents for every amount with up to two decimals', async () => {
    const table: [number, number][] = [
      [0, 0],
      [0.1, 10],
      [0.01, 1],
      [4.35, 435],
      [19.9, 1990],
      [29.99, 2999],
      [1e6, 100_000_000],
    ];
    for (const [price, cents] of table) {
      const id = await ctx.platform.addProduct({ name: 'P', price, stock: 1 });
      expect(await ctx.platform.getProduct(id), `price ${price}`).toMatchObject({ price, priceCents: cents });
    }
  });

  it('accepts priceCents instead of price', async () => {
    const id = await ctx.platform.addProduct({ name: 'Mouse', priceCents: 2999, stock: 3 });
    expect(await ctx.platform.getProduct(id)).toMatchObject({ price: 29.99, priceCents: 2999 });
  });

  it('refuses bad prices and bad products, writing nothing', async () => {
    const prices: [string, unknown][] = [
      ['three decimals', { price: 1.999 }],
      ['many decimals', { price: 0.1 + 0.2 }],
      ['negative', { price: -1 }],
      ['negative cents', { priceCents: -1 }],
      ['NaN', { price: NaN }],
      ['Infinity', { price: Infinity }],
      ['-Infinity', { price: -Infinity }],
      ['string price', { price: '9.99' }],
      ['null price', { price: null }],
      ['missing price', {}],
      ['fractional priceCents', { priceCents: 12.5 }],
      ['string priceCents', { priceCents: '100' }],
      ['both price and priceCents', { price: 1, priceCents: 100 }],
      ['too large', { price: 1e13 }],
    ];
    for (const [label, price] of prices) {
      const input = untyped<NewProduct>({ name: 'X', stock: 1, ...(price as object) });
      await expectError(ctx.platform.addProduct(input), ValidationError, 'validation_failed', label);
    }
    const products: [string, unknown][] = [
      ['empty name', { name: '', price: 1, stock: 1 }],
      ['blank name', { name: '   ', price: 1, stock: 1 }],
      ['number name', { name: 3, price: 1, stock: 1 }],
      ['negative stock', { name: 'X', price: 1, stock: -1 }],
      ['fractional stock', { name: 'X', price: 1, stock: 1.5 }],
      ['string stock', { name: 'X', price: 1, stock: '5' }],
      ['number category', { name: 'X', price: 1, stock: 1, category: 5 }],
      ['unknown field', { name: 'X', price: 1, stock: 1, colour: 'red' }],
      ['null input', null],
    ];
    for (const [label, input] of products) {
      await expectError(ctx.platform.addProduct(untyped<NewProduct>(input)), ValidationError, 'validation_failed', label);
    }
    const s = await snapshot(ctx.platform);
    expect(s.products).toEqual([]);
    expect(s.inventory_movements).toEqual([]);
  });

  it('getProduct returns null for an unknown id and refuses a non-id', async () => {
    expect(await ctx.platform.getProduct(12345)).toBeNull();
    await expectError(ctx.platform.getProduct(-1), ValidationError, 'validation_failed');
    await expectError(ctx.platform.getProduct(untyped('1')), ValidationError, 'validation_failed');
  });

  describe('getProducts', () => {
    async function seed(): Promise<number[]> {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(await ctx.platform.addProduct({ name: `P${i}`, price: i + 1, stock: i, category: i % 2 === 0 ? 'Even' : 'Odd' }));
      }
      return ids;
    }

    it('lists all by id with default limit 50 and offset 0', async () => {
      const ids = await seed();
      expect((await ctx.platform.getProducts()).map((p) => p.id)).toEqual(ids);
      expect((await ctx.platform.getProducts({})).map((p) => p.id)).toEqual(ids);
    });

    it('filters by category', async () => {
      const ids = await seed();
      expect((await ctx.platform.getProducts({ category: 'Even' })).map((p) => p.id)).toEqual([ids[0], ids[2], ids[4], ids[6]]);
      expect((await ctx.platform.getProducts({ category: 'Odd' })).map((p) => p.name)).toEqual(['P1', 'P3', 'P5']);
      expect(await ctx.platform.getProducts({ category: 'None' })).toEqual([]);
    });

    it('pages with limit and offset', async () => {
      const ids = await seed();
      expect((await ctx.platform.getProducts({ limit: 3 })).map((p) => p.id)).toEqual(ids.slice(0, 3));
      expect((await ctx.platform.getProducts({ limit: 3, offset: 3 })).map((p) => p.id)).toEqual(ids.slice(3, 6));
      expect((await ctx.platform.getProducts({ limit: 3, offset: 6 })).map((p) => p.id)).toEqual(ids.slice(6));
      expect(await ctx.platform.getProducts({ offset: 100 })).toEqual([]);
      expect((await ctx.platform.getProducts({ category: 'Even', limit: 2, offset: 1 })).map((p) => p.id)).toEqual([ids[2], ids[4]]);
    });

    it('caps the default page at 50', async () => {
      await Promise.all(Array.from({ length: 55 }, (_, i) => ctx.platform.addProduct({ name: `Bulk ${i}`, price: 1, stock: 1 })));
      expect(await ctx.platform.getProducts()).toHaveLength(50);
      expect(await ctx.platform.getProducts({ offset: 50 })).toHaveLength(5);
    });

    it('refuses bad queries', async () => {
      const bad: [string, unknown][] = [
        ['zero limit', { limit: 0 }],
        ['negative limit', { limit: -1 }],
        ['fractional limit', { limit: 1.5 }],
        ['string limit', { limit: '10' }],
        ['negative offset', { offset: -1 }],
        ['number category', { category: 1 }],
        ['unknown field', { sort: 'name' }],
      ];
      for (const [label, q] of bad) await expectError(ctx.platform.getProducts(untyped(q)), ValidationError, 'validation_failed', label);
    });
  });

  describe('updateProduct', () => {
    it('updates fields and returns the product', async () => {
      const id = await ctx.platform.addProduct({ name: 'Old', price: 10, stock: 1, category: 'A' });
      const p = await ctx.platform.updateProduct(id, { name: 'New', description: 'd', price: 12.5, category: 'B', imageUrl: 'i' });
      expect(p).toMatchObject({ id, name: 'New', description: 'd', price: 12.5, priceCents: 1250, category: 'B', imageUrl: 'i', stock: 1 });
      expect(await ctx.platform.getProduct(id)).toEqual(p);
      expect(await ctx.platform.updateProduct(id, { priceCents: 99 })).toMatchObject({ price: 0.99, priceCents: 99 });
      expect(await ctx.platform.updateProduct(id, { category: null })).toMatchObject({ category: null });
    });

    it('sets stock through the ledger, as the difference', async () => {
      const id = await ctx.platform.addProduct({ name: 'S', price: 1, stock: 10 });
      expect((await ctx.platform.updateProduct(id, { stock: 4 })).stock).toBe(4);
      expect((await ctx.platform.updateProduct(id, { stock: 25 })).stock).toBe(25);
      expect((await ctx.platform.updateProduct(id, { stock: 25 })).stock).toBe(25);
      expect((await ctx.platform.updateProduct(id, { stock: 0 })).stock).toBe(0);
      const deltas = (await ctx.platform.getInventoryMovements(id)).map((m) => m.delta);
      expect(deltas).toEqual([10, -6, 21, -25]);
      expect(deltas.reduce((a, b) => a + b, 0)).toBe(0);
    });

    it('setting stock while other changes race lands exactly on the value set', async () => {
      const id = await ctx.platform.addProduct({ name: 'Busy', price: 1, stock: 10 });
      await Promise.all(Array.from({ length: 10 }, () => ctx.platform.getProduct(id))); // open the pool's connections
      for (let round = 0; round < 3; round++) {
        await Promise.all([
          ...Array.from({ length: 4 }, () => ctx.platform.updateStock(id, 1, 'found')),
          // Far from any stock the +1s can reach, so the set is never a no-op (which writes no movement).
          ctx.platform.updateProduct(id, { stock: 100 + 50 * round }),
          ...Array.from({ length: 4 }, () => ctx.platform.updateStock(id, 1, 'found')),
        ]);
      }
      // Replaying the ledger in order, the stock right after each 'stock set' is the value that was set.
      let running = 0;
      const landed: number[] = [];
      for (const m of await ctx.platform.getInventoryMovements(id)) {
        running += m.delta;
        if (m.reason === 'stock set') landed.push(running);
      }
      expect(landed).toEqual([100, 150, 200]);
      expect((await ctx.platform.getProduct(id))!.stock).toBe(running);
    });

    it('refuses bad patches and writes nothing', async () => {
      const id = await ctx.platform.addProduct({ name: 'Keep', price: 5, stock: 5 });
      const before = await snapshot(ctx.platform);
      const bad: unknown[] = [
        { price: -1 },
        { price: 1.005 },
        { price: NaN },
        { price: '5' },
        { stock: -1 },
        { stock: 2.5 },
        { name: '' },
        { name: 'Ok', price: -3 },
        { stock: 3, price: Infinity },
        { stock: 1, colour: 'red' },
        null,
      ];
      for (const patch of bad) {
        await expectError(ctx.platform.updateProduct(id, untyped<ProductPatch>(patch)), ValidationError, 'validation_failed');
      }
      await expectError(ctx.platform.updateProduct(9999, { name: 'Ghost' }), NotFoundError, 'not_found');
      await expectError(ctx.platform.updateProduct(9999, { stock: 3 }), NotFoundError, 'not_found');
      expect(await snapshot(ctx.platform)).toEqual(before);
    });
  });

  it('getCategories counts products per category, by name, without uncategorised', async () => {
    expect(await ctx.platform.getCategories()).toEqual([]);
    await ctx.platform.addProduct({ name: 'Laptop', price: 999.99, stock: 1, category: 'Electronics' });
    await ctx.platform.addProduct({ name: 'Mouse', price: 29.99, stock: 1, category: 'Electronics' });
    await ctx.platform.addProduct({ name: 'Chair', price: 50, stock: 1, category: 'Furniture' });
    await ctx.platform.addProduct({ name: 'Loose', price: 1, stock: 1 });
    expect(await ctx.platform.getCategories()).toEqual([
      { name: 'Electronics', productCount: 2 },
      { name: 'Furniture', productCount: 1 },
    ]);
  });
});
