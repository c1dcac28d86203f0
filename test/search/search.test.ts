import { describe, expect, it } from 'vitest';
import { ValidationError, type EcommercePlatform, type Product } from '../../src/index.js';
import type { SearchQuery, SearchSort } from '../../src/search/service.js';
import { backends } from '../backends.js';
import { addAll, freshPlatform, setRatings } from './helpers.js';

const names = (items: Product[]) => items.map((p) => p.name);

/** Every page of a search, following nextCursor. */
async function walk(platform: EcommercePlatform, query: SearchQuery): Promise<Product[]> {
  const all: Product[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await platform.search({ ...query, cursor });
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describe.each(backends)('search on $name', (backend) => {
  const ctx = freshPlatform(backend);

  async function shop(): Promise<Record<'mouse' | 'laptop' | 'pad' | 'sleeve' | 'hose' | 'lamp' | 'mug', number>> {
    const ids = await addAll(ctx.platform, [
      { name: 'Wireless Mouse', description: 'Ergonomic, quiet clicks', price: 24.99, stock: 12, category: 'Electronics' },
      { name: 'Laptop Pro 15', description: 'Fast laptop with a bright screen', price: 1499, stock: 3, category: 'Electronics' },
      { name: 'Mouse Pad', description: 'Large pad for any wireless mouse', price: 9.5, stock: 0, category: 'Office' },
      { name: 'Laptop Sleeve', description: 'Padded sleeve', price: 29, stock: 40, category: 'Accessories' },
      { name: 'Garden Hose', description: 'Twenty metres, green', price: 35, stock: 7, category: 'Garden' },
      { name: 'Desk Lamp', description: 'Warm light for a laptop desk', price: 45, stock: 0, category: 'Office' },
      { name: 'Café Crème Mug', description: 'Porcelain', price: 12, stock: 5, category: 'Kitchen' },
    ]);
    const [mouse, laptop, pad, sleeve, hose, lamp, mug] = ids as [number, number, number, number, number, number, number];
    await setRatings(ctx.platform, mouse, [5, 4]); // 4.5
    await setRatings(ctx.platform, laptop, [5, 5, 4]); // 4.67
    await setRatings(ctx.platform, sleeve, [3]);
    await setRatings(ctx.platform, lamp, [2, 3]);
    return { mouse, laptop, pad, sleeve, hose, lamp, mug };
  }

  it('ranks name matches above description matches', async () => {
    await shop();
    const r = await ctx.platform.search({ q: 'laptop' });
    expect(names(r.items).slice(0, 2).sort()).toEqual(['Laptop Pro 15', 'Laptop Sleeve']);
    expect(names(r.items)[2]).toBe('Desk Lamp'); // only its description mentions a laptop
    expect(r.items).toHaveLength(3);
    const mouse = await ctx.platform.search({ q: 'mouse' });
    expect(names(mouse.items)).toEqual(expect.arrayContaining(['Wireless Mouse', 'Mouse Pad']));
    expect(mouse.items).toHaveLength(2);
  });

  it('matches word prefixes as a shopper types', async () => {
    await shop();
    expect(names((await ctx.platform.search({ q: 'lap' })).items)).toContain('Laptop Pro 15');
    expect(names((await ctx.platform.search({ q: 'wire mou' })).items)[0]).toBe('Wireless Mouse');
    expect(names((await ctx.platform.search({ q: 'desk l' })).items)).toEqual(['Desk Lamp']);
    expect(names((await ctx.platform.search({ q: 'garden h' })).items)).toEqual(['Garden Hose']);
    // A lone letter is a whole word only: it would otherwise rank a large part of the catalog.
    expect((await ctx.platform.search({ q: 'l' })).items).toEqual([]);
    expect(names((await ctx.platform.search({ q: 'LAPTOP pro' })).items)).toEqual(['Laptop Pro 15']);
    expect(names((await ctx.platform.search({ q: 'garden' })).items)).toEqual(['Garden Hose']); // category text too
    expect((await ctx.platform.search({ q: 'laptopz' })).items).toEqual([]);
    // Descriptions match whole words: "lap" finds laptops by name, not the lamp described as "for a laptop desk"…
    expect(names((await ctx.platform.search({ q: 'lap' })).items).sort()).toEqual(['Laptop Pro 15', 'Laptop Sleeve']);
    expect(names((await ctx.platform.search({ q: 'ergonomic' })).items)).toEqual(['Wireless Mouse']);
    expect((await ctx.platform.search({ q: 'ergo' })).items).toEqual([]);
    // …and never by filler words.
    expect((await ctx.platform.search({ q: 'for' })).items).toEqual([]);
  });

  it('folds accents both ways', async () => {
    await shop();
    expect(names((await ctx.platform.search({ q: 'cafe creme' })).items)).toEqual(['Café Crème Mug']);
    expect(names((await ctx.platform.search({ q: 'CAFÉ' })).items)).toEqual(['Café Crème Mug']);
  });

  it('combines filters', async () => {
    await shop();
    const s = (query: SearchQuery) => ctx.platform.search({ sort: 'price_asc', ...query }).then((r) => names(r.items));
    expect(await s({ category: 'Electronics' })).toEqual(['Wireless Mouse', 'Laptop Pro 15']);
    expect(await s({ minPrice: 10, maxPrice: 35 })).toEqual(['Café Crème Mug', 'Wireless Mouse', 'Laptop Sleeve', 'Garden Hose']);
    expect(await s({ minPrice: 9.5, maxPrice: 9.5 })).toEqual(['Mouse Pad']);
    expect(await s({ inStock: true, category: 'Office' })).toEqual([]);
    expect(await s({ inStock: false, category: 'Office' })).toEqual(['Mouse Pad', 'Desk Lamp']);
    expect(await s({ minRating: 4.5 })).toEqual(['Wireless Mouse', 'Laptop Pro 15']);
    expect(await s({ minRating: 4.6 })).toEqual(['Laptop Pro 15']);
    expect(await s({ minRating: 2.5 })).toEqual(['Wireless Mouse', 'Laptop Sleeve', 'Desk Lamp', 'Laptop Pro 15']);
    expect(await s({ q: 'lap', inStock: true, maxPrice: 100 })).toEqual(['Laptop Sleeve']);
    expect(await s({ q: 'mouse', category: 'Office', minRating: 1 })).toEqual([]);
    expect(await s({ q: 'laptop', minRating: 3, category: 'Electronics', inStock: true, minPrice: 1000 })).toEqual(['Laptop Pro 15']);
  });

  it('sorts by every key', async () => {
    const ids = await shop();
    const s = (sort: SearchSort, q?: string) => ctx.platform.search({ sort, q, limit: 100 }).then((r) => names(r.items));
    expect(await s('price_asc')).toEqual(['Mouse Pad', 'Café Crème Mug', 'Wireless Mouse', 'Laptop Sleeve', 'Garden Hose', 'Desk Lamp', 'Laptop Pro 15']);
    expect(await s('price_desc')).toEqual([...(await s('price_asc'))].reverse());
    // Added one after another: newest is the reverse of insertion order (ties broken by id).
    expect(await s('newest')).toEqual(['Café Crème Mug', 'Desk Lamp', 'Garden Hose', 'Laptop Sleeve', 'Mouse Pad', 'Laptop Pro 15', 'Wireless Mouse']);
    // Unrated products last, newest first among equals.
    expect(await s('rating')).toEqual(['Laptop Pro 15', 'Wireless Mouse', 'Laptop Sleeve', 'Desk Lamp', 'Café Crème Mug', 'Garden Hose', 'Mouse Pad']);
    expect((await s('relevance', 'laptop'))[2]).toBe('Desk Lamp');
    // Without words there is nothing to rank by: catalogue order.
    expect(await s('relevance')).toEqual(['Wireless Mouse', 'Laptop Pro 15', 'Mouse Pad', 'Laptop Sleeve', 'Garden Hose', 'Desk Lamp', 'Café Crème Mug']);
    expect((await ctx.platform.search({})).items.map((p) => p.id)).toEqual(Object.values(ids));
    expect(await s('price_desc', 'lap')).toEqual(['Laptop Pro 15', 'Laptop Sleeve']);
    expect(await s('price_desc', 'laptop')).toEqual(['Laptop Pro 15', 'Desk Lamp', 'Laptop Sleeve']);
  });

  it('cursor pagination walks every result exactly once, in order, for every sort', async () => {
    const products = Array.from({ length: 23 }, (_, i) => ({
      name: `Widget ${i} ${i % 2 ? 'blue' : 'red'}`,
      description: i % 3 ? 'a widget' : 'a widget widget widget',
      price: [5, 10, 10, 20][i % 4]!, // equal prices: the id breaks ties
      stock: i % 5,
      category: ['A', 'B', 'C'][i % 3]!,
    }));
    const ids = await addAll(ctx.platform, products);
    for (const [i, id] of ids.entries()) if (i % 4) await setRatings(ctx.platform, id, [1 + (i % 5), 5]);
    for (const sort of ['relevance', 'price_asc', 'price_desc', 'newest', 'rating'] as const) {
      for (const q of [undefined, 'widg', 'blue']) {
        const whole = await ctx.platform.search({ sort, q, limit: 100 });
        const paged = await walk(ctx.platform, { sort, q, limit: 4 });
        expect(paged.map((p) => p.id), `${sort} ${q}`).toEqual(whole.items.map((p) => p.id));
        expect(new Set(paged.map((p) => p.id)).size).toBe(paged.length);
        expect(paged.length).toBe(q === 'blue' ? 11 : 23);
      }
    }
    const filtered = await walk(ctx.platform, { q: 'widget', inStock: true, category: 'B', sort: 'price_desc', limit: 2 });
    expect(filtered.map((p) => p.id)).toEqual((await ctx.platform.search({ q: 'widget', inStock: true, category: 'B', sort: 'price_desc', limit: 100 })).items.map((p) => p.id));
    expect(filtered.every((p) => p.stock > 0 && p.category === 'B')).toBe(true);
  });

  it('counts products per category for the result, ignoring the category filter', async () => {
    await shop();
    const all = await ctx.platform.search({});
    expect(all.facets).toEqual([
      { category: 'Electronics', count: 2 },
      { category: 'Office', count: 2 },
      { category: 'Accessories', count: 1 },
      { category: 'Garden', count: 1 },
      { category: 'Kitchen', count: 1 },
    ]);
    const laptops = await ctx.platform.search({ q: 'laptop', category: 'Office' });
    expect(names(laptops.items)).toEqual(['Desk Lamp']);
    expect(laptops.facets).toEqual([
      { category: 'Accessories', count: 1 },
      { category: 'Electronics', count: 1 },
      { category: 'Office', count: 1 },
    ]);
    const inStock = await ctx.platform.search({ inStock: true, maxPrice: 40 });
    expect(inStock.facets).toEqual([
      { category: 'Accessories', count: 1 },
      { category: 'Electronics', count: 1 },
      { category: 'Garden', count: 1 },
      { category: 'Kitchen', count: 1 },
    ]);
  });

  it('never errors on hostile or odd query text', async () => {
    await shop();
    const nasty = [
      '"', '""', "'", "''", 'lap"top', '"laptop', 'laptop"', 'AND', 'OR', 'NOT', 'laptop AND', 'NOT laptop', 'laptop OR mouse', 'NEAR(laptop mouse)',
      'NEAR', '*', 'lap*', '**', '-laptop', 'laptop -pro', 'name:laptop', ':', 'category:Office', '(laptop', 'laptop)', '()', '^laptop', '{name}: x',
      '+', '&', '|', '!', '!laptop', 'laptop & mouse | pad', "laptop'); DROP TABLE products; --", '\\', '\\"', '%', '_', '%_%', '?', '$1', '@@',
      ':*', "'':*", 'laptop:*', '<->', '🙂', '💻 laptop 🖱️', '\u0000', '\u0000laptop', '\uD800', 'la\uD800ptop', '\t\n\r', ' ', '', '·•–—',
      'x'.repeat(5000), 'laptop '.repeat(500), 'ǅ ʰ ˠ', 'ﬁ', '١٢٣', '笔记本电脑', 'Ελληνικά', 'İstanbul', 'ß', '1e5', '0x10', 'NaN', 'null',
    ];
    for (const q of nasty) {
      const r = await ctx.platform.search({ q, sort: 'relevance', limit: 5 }).catch((e: Error) => e);
      expect(r, JSON.stringify(q.slice(0, 40))).not.toBeInstanceOf(Error);
    }
    // The words still count: punctuation and operators are just separators.
    for (const q of ['"laptop"', '"laptop', 'laptop)', '(laptop', '-laptop', 'laptop:', 'laptop*', '💻 laptop', 'laptop:*', '!laptop']) {
      expect(names((await ctx.platform.search({ q })).items), q).toContain('Laptop Pro 15');
    }
  });

  it('rejects bad parameters with a ValidationError', async () => {
    await shop();
    const bad: unknown[] = [
      { minPrice: 1.234 }, { minPrice: -1 }, { maxPrice: 'ten' }, { minPrice: 20, maxPrice: 10 }, { sort: 'cheapest' }, { limit: 0 },
      { limit: 101 }, { limit: 2.5 }, { minRating: 6 }, { minRating: -1 }, { inStock: 'yes' }, { q: 42 }, { category: 7 }, { colour: 'red' },
      { cursor: 'not a cursor!' }, { cursor: 'eyJ4Ijox' }, { cursor: Buffer.from('[1,2,3]').toString('base64url') },
      { cursor: Buffer.from('["newest",5,1]').toString('base64url') }, { cursor: Buffer.from('["newest","x",-1]').toString('base64url') },
      { cursor: Buffer.from('["price_asc",1e400,1]').toString('base64url') },
      { cursor: Buffer.from('["newest","2026-01-01",1,4]').toString('base64url') },
    ];
    for (const query of bad) {
      await expect(ctx.platform.search(query as SearchQuery), JSON.stringify(query)).rejects.toBeInstanceOf(ValidationError);
    }
    // A cursor belongs to its sort.
    const page = await ctx.platform.search({ sort: 'price_asc', limit: 2 });
    await expect(ctx.platform.search({ sort: 'newest', cursor: page.nextCursor! })).rejects.toBeInstanceOf(ValidationError);
  });

  it('stays in step with every product write', async () => {
    const { mouse, pad } = await shop();
    await ctx.platform.updateProduct(mouse, { name: 'Trackball', description: 'Thumb operated' });
    expect(names((await ctx.platform.search({ q: 'wireless' })).items)).toEqual(['Mouse Pad']);
    expect(names((await ctx.platform.search({ q: 'track' })).items)).toEqual(['Trackball']);
    expect(names((await ctx.platform.search({ q: 'thumb' })).items)).toEqual(['Trackball']);
    await ctx.platform.updateProduct(mouse, { category: 'Pointing' });
    expect((await ctx.platform.search({ q: 'pointing' })).items.map((p) => p.id)).toEqual([mouse]);
    expect((await ctx.platform.search({ q: 'pointing' })).facets).toEqual([{ category: 'Pointing', count: 1 }]);
    // Stock and price writes leave the words alone but change filters.
    await ctx.platform.updateStock(pad, 4);
    expect(names((await ctx.platform.search({ q: 'mouse pad', inStock: true })).items)).toEqual(['Mouse Pad']);
    await ctx.platform.updateProduct(pad, { price: 99 });
    expect((await ctx.platform.search({ q: 'mouse pad', minPrice: 50 })).items.map((p) => p.priceCents)).toEqual([9900]);
    // Any writer, even plain SQL (seed's batch insert, the migrate-data copier), is indexed by the triggers.
    await ctx.platform.db.run(
      'INSERT INTO products (name, description, price_cents, stock, category, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ['Quokka Plush', 'soft', 1500, 2, 'Toys', new Date().toISOString(), new Date().toISOString()],
    );
    expect(names((await ctx.platform.search({ q: 'quok' })).items)).toEqual(['Quokka Plush']);
    await ctx.platform.db.run('DELETE FROM products WHERE name = ?', ['Quokka Plush']);
    expect((await ctx.platform.search({ q: 'quok' })).items).toEqual([]);
    expect(names((await ctx.platform.search({ q: 'soft' })).items)).toEqual([]);
  });
});
