import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

describe.each(backends)('GET /api/products search on $name', (backend) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer(backend);
    for (const p of [
      { name: 'Wireless Mouse', price: 24.99, stock: 4, category: 'Electronics' },
      { name: 'Laptop Pro', price: 1499, stock: 0, category: 'Electronics' },
      { name: 'Mouse Pad', price: 9.5, stock: 10, category: 'Office' },
    ]) {
      await s.platform.addProduct(p);
    }
  });
  afterEach(async () => s.close());

  it('searches with filters, sorts, pages by cursor and returns facets', async () => {
    const r = await s.call('GET', '/api/products?q=mou&inStock=true&sort=price_asc&limit=1');
    expect(r.status).toBe(200);
    expect(r.body.items.map((p: { name: string }) => p.name)).toEqual(['Mouse Pad']);
    expect(r.body.facets).toEqual([
      { category: 'Electronics', count: 1 },
      { category: 'Office', count: 1 },
    ]);
    const next = await s.call('GET', `/api/products?q=mou&inStock=true&sort=price_asc&limit=1&cursor=${r.body.nextCursor}`);
    expect(next.body.items.map((p: { name: string }) => p.name)).toEqual(['Wireless Mouse']);
    expect(next.body.nextCursor).toBeNull();
    const filtered = await s.call('GET', '/api/products?category=Electronics&minPrice=20&maxPrice=2000&sort=price_desc');
    expect(filtered.body.items.map((p: { name: string }) => p.name)).toEqual(['Laptop Pro', 'Wireless Mouse']);
    expect((await s.call('GET', '/api/products?minRating=4')).body.items).toEqual([]);
  });

  it('answers 200 for hostile search text and 400 for bad parameters', async () => {
    for (const q of ['"', 'NOT (', 'mouse*', 'a:b', "'; DROP TABLE products; --", '😀'.repeat(300), 'x'.repeat(3000)]) {
      const r = await s.call('GET', `/api/products?q=${encodeURIComponent(q)}`);
      expect(r.status, q.slice(0, 20)).toBe(200);
    }
    for (const bad of ['minPrice=1.234', 'minPrice=-1', 'maxPrice=abc', 'minRating=9', 'sort=cheap', 'inStock=maybe', 'cursor=AAAA', 'limit=0']) {
      const r = await s.call('GET', `/api/products?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('never shows a stale price after an admin changes it', async () => {
    const before = await s.call('GET', '/api/products?q=laptop');
    expect(before.body.items[0].price).toBe(1499);
    const admin = await s.admin();
    const id = before.body.items[0].id as number;
    expect((await s.call('PATCH', `/api/products/${id}`, { token: admin.token, body: { price: 1299 } })).status).toBe(200);
    expect((await s.call('GET', '/api/products?q=laptop')).body.items[0].price).toBe(1299);
  });

  it('documents the search parameters in the OpenAPI document', async () => {
    const doc = await s.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const op = doc.body.paths['/api/products'].get;
    const names = op.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['q', 'category', 'minPrice', 'maxPrice', 'inStock', 'minRating', 'sort', 'cursor', 'limit']));
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toEqual(['items', 'nextCursor', 'facets', 'optionFacets']);
  });
});
