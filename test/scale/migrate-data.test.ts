import { afterEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends, sqlite, type Backend } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { runCli } from './cli.js';

/** Tables compared row by row; each has no column computed differently per dialect. */
const COMPARED: Record<string, string> = {
  customers: 'SELECT * FROM customers ORDER BY id',
  products: 'SELECT id, name, description, price_cents, stock, category, image_url, created_at, updated_at FROM products ORDER BY id',
  orders: 'SELECT * FROM orders ORDER BY id',
  order_items: 'SELECT * FROM order_items ORDER BY id',
  inventory_movements: 'SELECT * FROM inventory_movements ORDER BY id',
  order_status_history: 'SELECT * FROM order_status_history ORDER BY id',
  cart_items: 'SELECT * FROM cart_items ORDER BY customer_id, product_id',
  // Tables of later migrations: the copy reads its table list from the schema.
  reviews: 'SELECT * FROM reviews ORDER BY id',
  price_history: 'SELECT * FROM price_history ORDER BY id',
  discount_codes: 'SELECT * FROM discount_codes ORDER BY code',
  discount_redemptions: 'SELECT * FROM discount_redemptions ORDER BY id',
};

/** A small shop with every kind of row: stock changes, orders in several states, cancelled orders, open carts. */
async function seedShop(p: EcommercePlatform): Promise<void> {
  const products: number[] = [];
  for (let i = 0; i < 4; i++) products.push(await p.addProduct({ name: `Widget ${i}`, price: 3 + i, stock: 40, category: i % 2 ? 'Odd' : 'Even' }));
  await p.updateStock(products[0]!, -5, 'damaged');
  // A gap in the ids: copying must keep ids, not renumber.
  const customers: number[] = [];
  for (let i = 0; i < 24; i++) customers.push(await p.createCustomer({ email: `shopper${i}@example.com`, name: `Shopper ${i}` }));
  await p.createDiscountCode({ code: 'SAVE10', type: 'percentage', value: 10 });
  await p.updateProduct(products[1]!, { price: 4.5 });
  for (const [i, c] of customers.entries()) {
    await p.addToCart(c, products[i % 4]!, 1 + (i % 3));
    if (i % 4 === 3) await p.addToCart(c, products[(i + 1) % 4]!, 1);
    if (i % 3 === 0) continue; // leaves an open cart
    if (i % 7 === 2) await p.applyDiscount(c, 'SAVE10');
    const order = await p.createOrder(c);
    if (i % 5 === 1) await p.cancelOrder(order);
    if (i % 5 === 2) {
      await p.payOrder(order);
      await p.updateOrderStatus(order, 'processing');
    }
    if (i % 4 === 1) await p.addReview(c, products[i % 4]!, { rating: 1 + (i % 5), title: `Review ${i}` });
  }
}

async function snapshot(p: EcommercePlatform): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(COMPARED)) out[table] = await p.query(sql);
  return out;
}

/** The target's own search index found the copied products (rebuilt by its triggers or generated column). */
async function searchFinds(p: EcommercePlatform, word: string): Promise<number> {
  const rows =
    p.db.dialect === 'sqlite'
      ? await p.query('SELECT COUNT(*) AS n FROM products_fts WHERE products_fts MATCH ?', [word])
      : await p.query("SELECT COUNT(*) AS n FROM products WHERE search_vector @@ to_tsquery('simple', $1)", [word]);
  return Number(rows[0]!.n);
}

const maxId = async (p: EcommercePlatform, table: string) => Number((await p.query(`SELECT MAX(id) AS m FROM ${table}`))[0]!.m);

describe.each(backends)('migrate-data between SQLite and $name', (backend: Backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  async function fresh(b: Backend): Promise<string> {
    const { url, cleanup } = await b.create();
    cleanups.push(cleanup);
    return url;
  }

  it(`copies an SQLite shop into ${backend.name}: every row and id, fresh ids afterwards, refuses a non-empty target unless --force`, async () => {
    const from = await fresh(sqlite);
    const to = await fresh(backend);
    const source = await EcommercePlatform.open(from);
    await seedShop(source);
    const expected = await snapshot(source);
    await source.close();

    // A small batch size makes every table span several batches (keyset pages, composite keys).
    const first = await runCli(['migrate-data', '--from', from, '--to', to, '--batch', '7']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/row counts match/);
    expect(first.stdout).toMatch(/^orders\s+\d+$/m);

    const target = await EcommercePlatform.open(to);
    try {
      expect(await snapshot(target)).toEqual(expected);
      expect(expected.orders!.some((o) => (o as { status: string }).status === 'cancelled')).toBe(true);
      for (const table of ['cart_items', 'reviews', 'price_history', 'discount_redemptions']) expect(expected[table]!.length, table).toBeGreaterThan(0);
      await assertLedgerInvariant(target);
      expect(await searchFinds(target, 'widget')).toBe(4);

      // Sequences were moved past the copied ids: new rows get fresh ones, nothing collides.
      const lastCustomer = await maxId(target, 'customers');
      const lastProduct = await maxId(target, 'products');
      const lastOrder = await maxId(target, 'orders');
      const customer = await target.createCustomer({ email: 'after@example.com', name: 'After Move' });
      expect(customer).toBe(lastCustomer + 1);
      const product = await target.addProduct({ name: 'New arrival', price: 1, stock: 5 });
      expect(product).toBe(lastProduct + 1);
      await target.addToCart(customer, product, 2);
      expect(await target.createOrder(customer)).toBe(lastOrder + 1);
      await assertLedgerInvariant(target);
    } finally {
      await target.close();
    }

    const refused = await runCli(['migrate-data', '--from', from, '--to', to]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty.*--force/);

    const forced = await runCli(['migrate-data', '--from', from, '--to', to, '--force']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    const replaced = await EcommercePlatform.open(to);
    try {
      expect(await snapshot(replaced)).toEqual(expected); // the post-move rows are gone, the source's are back
      await assertLedgerInvariant(replaced);
    } finally {
      await replaced.close();
    }
  });

  it(`copies a ${backend.name} shop back into a new SQLite file`, async () => {
    const from = await fresh(backend);
    const to = await fresh(sqlite);
    const source = await EcommercePlatform.open(from);
    await seedShop(source);
    const expected = await snapshot(source);
    await source.close();

    const result = await runCli(['migrate-data', '--from', from, '--to', to]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const target = await EcommercePlatform.open(to);
    try {
      expect(await snapshot(target)).toEqual(expected);
      await assertLedgerInvariant(target);
      expect(await searchFinds(target, 'widget')).toBe(4);
      const lastCustomer = await maxId(target, 'customers');
      expect(await target.createCustomer({ email: 'next@example.com', name: 'Next' })).toBe(lastCustomer + 1);
    } finally {
      await target.close();
    }
  });

  it('fails, saying so, when the stock-ledger invariant does not hold after copying', async () => {
    const from = await fresh(sqlite);
    const to = await fresh(backend);
    const source = await EcommercePlatform.open(from);
    const product = await source.addProduct({ name: 'Miscounted', price: 1, stock: 5 });
    await source.db.run('UPDATE products SET stock = stock + 1 WHERE id = ?', [product]); // stock changed without a ledger row
    await source.close();
    const result = await runCli(['migrate-data', '--from', from, '--to', to]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Stock-ledger invariant broken in the target for 1 product\(s\) \(the source already breaks it/);
    expect(result.stderr).toContain(`product ${product}: stock 6, ledger 5`);
  });

  it('refuses a source that does not exist, without creating it', async () => {
    const to = await fresh(backend);
    const result = await runCli(['migrate-data', '--from', '/nonexistent/dir/store.db', '--to', to]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not exist/);
  });
});
