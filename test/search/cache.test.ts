import { describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { CatalogCache } from '../../src/cache/catalog-cache.js';
import { LruCache } from '../../src/cache/lru.js';
import { SearchService } from '../../src/search/service.js';
import { backends } from '../backends.js';
import { addAll, countingExecutor, freshPlatform, setRatings } from './helpers.js';

const catalog = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `Gadget ${i}`,
    description: `gadget number ${i}`,
    price: 10 + i,
    stock: 5,
    category: ['Tools', 'Toys', 'Books'][i % 3]!,
  }));

describe.each(backends)('cached listings on $name', (backend) => {
  const ctx = freshPlatform(backend);

  it('serves a repeated search from the cache with one statement (the version read)', async () => {
    await addAll(ctx.platform, catalog(5));
    const ex = countingExecutor(ctx.platform.db);
    const search = new SearchService(ex, new CatalogCache(ex));
    const first = await search.search({ q: 'gadget', sort: 'price_asc' });
    expect(ex.count).toBe(4); // version, items, their variants, facets
    const again = await search.search({ q: 'gadget', sort: 'price_asc' });
    expect(ex.count).toBe(5);
    expect(again).toBe(first);
    // The key is the parsed query: other spellings of the same words share the entry.
    expect(await search.search({ q: '  GADGET!! ', sort: 'price_asc' })).toBe(first);
    expect(ex.count).toBe(6);
  });

  it('never serves stale prices, stock or names after a write returns', async () => {
    const [a, b] = await addAll(ctx.platform, catalog(3));
    const p = ctx.platform;
    const priceOf = async (id: number) => (await p.search({ q: 'gadget', limit: 50 })).items.find((x) => x.id === id)?.priceCents;
    const stockOf = async (id: number) => (await p.getProducts({ limit: 50 })).find((x) => x.id === id)?.stock;
    expect(await priceOf(a!)).toBe(1000);
    expect(await stockOf(a!)).toBe(5);
    await p.updateProduct(a!, { price: 12.5 });
    expect(await priceOf(a!)).toBe(1250);
    await p.updateStock(a!, -2);
    expect(await stockOf(a!)).toBe(3);
    expect((await p.search({ q: 'gadget', inStock: true })).items.map((x) => x.id)).toContain(a);
    // Checkout takes stock; cancelling gives it back.
    const customer = await p.createCustomer({ email: 'shopper@example.com', name: 'Shopper' });
    await p.addToCart(customer, a!, 3);
    const order = await p.createOrder(customer);
    expect(await stockOf(a!)).toBe(0);
    expect((await p.search({ q: 'gadget', inStock: true })).items.map((x) => x.id)).not.toContain(a);
    await p.cancelOrder(order);
    expect(await stockOf(a!)).toBe(3);
    // Renames, categories and ratings.
    await p.updateProduct(b!, { name: 'Sprocket', category: 'Hardware' });
    expect((await p.search({ q: 'sprock' })).items.map((x) => x.id)).toEqual([b]);
    expect((await p.getCategories()).map((c) => c.name)).toContain('Hardware');
    expect((await p.search({ minRating: 4 })).items).toEqual([]);
    await setRatings(p, b!, [5, 4]);
    expect((await p.search({ minRating: 4 })).items.map((x) => x.id)).toEqual([b]);
  });

  it('sees a write made by another platform (another process) on the same database', async () => {
    const [a] = await addAll(ctx.platform, catalog(2));
    const other = await EcommercePlatform.open(ctx.url);
    try {
      const before = await ctx.platform.search({ q: 'gadget 0' });
      expect(before.items[0]?.priceCents).toBe(1000);
      expect(await ctx.platform.search({ q: 'gadget 0' })).toBe(before); // cached
      await other.updateProduct(a!, { price: 77 });
      expect((await ctx.platform.search({ q: 'gadget 0' })).items[0]?.priceCents).toBe(7700);
      await other.updateStock(a!, -5);
      expect((await ctx.platform.getProducts()).find((x) => x.id === a)?.stock).toBe(0);
      expect((await ctx.platform.search({ q: 'gadget 0', inStock: true })).items).toEqual([]);
      await other.addProduct({ name: 'Gizmo', price: 3, stock: 1, category: 'Toys' });
      expect((await ctx.platform.search({ q: 'gizmo' })).items.map((x) => x.name)).toEqual(['Gizmo']);
      // And the other way round.
      expect((await other.search({ q: 'gizmo' })).items).toHaveLength(1);
      await ctx.platform.updateProduct(a!, { name: 'Renamed' });
      expect((await other.search({ q: 'renamed' })).items.map((x) => x.id)).toEqual([a]);
    } finally {
      await other.close();
    }
  });

  it('keeps cached results across writes that leave products alone (customers, carts)', async () => {
    const [a] = await addAll(ctx.platform, catalog(2));
    const before = await ctx.platform.search({ q: 'gadget' });
    const customer = await ctx.platform.createCustomer({ email: 'browser@example.com', name: 'Browser' });
    await ctx.platform.addToCart(customer, a!, 1);
    expect(await ctx.platform.search({ q: 'gadget' })).toBe(before);
  });

  it('bumps the catalog version on concurrent multi-product checkouts without deadlocks', async () => {
    const ids = await addAll(ctx.platform, catalog(4).map((p) => ({ ...p, stock: 20 })));
    const customers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ctx.platform.createCustomer({ email: `multi${i}@example.com`, name: `Multi ${i}` })),
    );
    // Carts name the products in different orders.
    for (const [i, c] of customers.entries()) {
      for (const id of i % 2 ? [...ids].reverse() : ids) await ctx.platform.addToCart(c, id, 1);
    }
    const version = async () => Number((await ctx.platform.query('SELECT SUM(version) AS v FROM catalog_version'))[0]!.v);
    const v0 = await version();
    const cached = await ctx.platform.search({});
    const results = await Promise.allSettled(customers.map((c) => ctx.platform.createOrder(c)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await version()).toBeGreaterThanOrEqual(v0 + customers.length);
    const after = await ctx.platform.search({});
    expect(after).not.toBe(cached);
    expect(after.items.map((p) => p.stock)).toEqual([8, 8, 8, 8]);
  });

  it('shares cached results read-only', async () => {
    await addAll(ctx.platform, catalog(2));
    const r = await ctx.platform.search({});
    expect(() => {
      (r.items[0] as { price: number }).price = 0;
    }).toThrow(TypeError);
    expect(() => r.items.pop()).toThrow(TypeError);
  });

  it('a listing page and a search page are a fixed number of statements, whatever the page size', async () => {
    await Promise.all(catalog(60).map((p) => ctx.platform.addProduct(p)));
    const counts: Record<string, number> = {};
    for (const limit of [5, 50]) {
      for (const [kind, query] of [
        ['listing', { limit, sort: 'price_asc', category: 'Tools' }],
        ['search', { limit, q: 'gadg', inStock: true }],
      ] as const) {
        const ex = countingExecutor(ctx.platform.db);
        const search = new SearchService(ex, new CatalogCache(ex));
        const page = await search.search(query);
        expect(page.items).toHaveLength(Math.min(limit, kind === 'listing' ? 20 : 60));
        counts[`${kind} ${limit}`] = ex.count;
        if (page.nextCursor) {
          ex.count = 0;
          await search.search({ ...query, cursor: page.nextCursor });
          counts[`${kind} ${limit} next page`] = ex.count;
        }
      }
    }
    // version read, items, their variants, facets: 4 statements for 5 products or 50; the next page
    // shares the first page's facets (cached per filter, whatever the sort or cursor): 3.
    expect(counts).toEqual({ 'listing 5': 4, 'listing 5 next page': 3, 'listing 50': 4, 'search 5': 4, 'search 5 next page': 3, 'search 50': 4, 'search 50 next page': 3 });
  });
});

describe('LruCache', () => {
  it('keeps the total weight under maxWeight and refuses an entry heavier than that', () => {
    const lru = new LruCache<string>(100, 10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    lru.set('c', 'C', 4); // 12 > 10: a goes
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, 'B', 'C']);
    expect(lru.weight).toBe(8);
    lru.set('huge', 'H', 11);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
    lru.set('b', 'B2', 1); // replacing an entry replaces its weight
    expect(lru.weight).toBe(5);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const lru = new LruCache<number>(3);
    for (const [i, k] of ['a', 'b', 'c'].entries()) lru.set(k, i);
    expect(lru.get('a')).toBe(0); // a is now the most recent
    lru.set('d', 3);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([0, 2, 3]);
  });
});
