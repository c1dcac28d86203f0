import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { EcommercePlatform, ValidationError } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError, snapshot, untyped, usePlatform } from './fixture.js';

/** Writes phrased every way we know; each must be refused on both backends. */
const WRITES = [
  "INSERT INTO customers (email, name, created_at) VALUES ('x@example.com', 'X', '2020-01-01')",
  'UPDATE products SET stock = 0',
  'DELETE FROM products',
  'DROP TABLE cart_items',
  'CREATE TABLE evil (id INTEGER)',
  'CREATE INDEX evil_idx ON products (name)',
  'ALTER TABLE products ADD COLUMN evil TEXT',
  'SELECT 1; DELETE FROM products',
  // inventory_movements: no foreign key points at it, so only the guard can stop these.
  'SELECT 1; COMMIT; DELETE FROM inventory_movements',
  'SELECT 1; ROLLBACK; DELETE FROM inventory_movements',
  'SELECT 1; END; DELETE FROM inventory_movements',
  'DELETE FROM inventory_movements',
  'WITH x AS (SELECT 1) DELETE FROM products',
  'WITH x AS (SELECT 1) UPDATE products SET stock = 0',
  "WITH x AS (SELECT 1) INSERT INTO customers (email, name, created_at) VALUES ('y@example.com', 'Y', '2020-01-01')",
  'WITH d AS (DELETE FROM products RETURNING *) SELECT * FROM d',
  'PRAGMA journal_mode=DELETE',
  'PRAGMA foreign_keys=OFF',
  "ATTACH DATABASE 'evil.db' AS evil",
  'VACUUM',
  'BEGIN',
  'COMMIT',
  'REINDEX',
  'ANALYZE',
  '/* comment */ DELETE FROM products',
  '-- comment\nDELETE FROM products',
  '  delete from products',
];

describe.each(backends)('query() on $name', (backend) => {
  const ctx = usePlatform(backend);
  const p1 = backend.name === 'sqlite' ? '?' : '$1';
  const p2 = backend.name === 'sqlite' ? '?' : '$2';

  async function seed(): Promise<number> {
    const c = await ctx.platform.createCustomer({ email: 'q@example.com', name: 'Q' });
    const a = await ctx.platform.addProduct({ name: 'A', price: 1.5, stock: 4, category: 'X' });
    await ctx.platform.addProduct({ name: 'B', price: 2, stock: 6, category: 'X' });
    await ctx.platform.addProduct({ name: 'C', price: 3, stock: 8, category: 'Y' });
    await ctx.platform.addToCart(c, a, 2);
    await ctx.platform.createOrder(c);
    return a;
  }

  it('returns plain objects for SELECT, WITH and VALUES, with the backend’s own placeholders', async () => {
    const a = await seed();
    const rows = await ctx.platform.query(`SELECT name, price_cents, stock FROM products WHERE id = ${p1}`, [a]);
    expect(rows).toEqual([{ name: 'A', price_cents: 150, stock: 2 }]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    const grouped = await ctx.platform.query(
      `WITH c AS (SELECT category, COUNT(*) AS n, SUM(stock) AS s FROM products GROUP BY category)
       SELECT category, n, s FROM c WHERE n >= ${p1} ORDER BY category`,
      [1],
    );
    expect(grouped.map((r) => [r.category, Number(r.n), Number(r.s)])).toEqual([
      ['X', 2, 8],
      ['Y', 1, 8],
    ]);
    expect(await ctx.platform.query(`SELECT name FROM products WHERE category = ${p1} AND stock > ${p2} ORDER BY id`, ['X', 3])).toEqual([
      { name: 'B' },
    ]);
    expect(await ctx.platform.query('SELECT name FROM products WHERE stock > 100')).toEqual([]);
    expect((await ctx.platform.query('VALUES (1)')).length).toBe(1);
  });

  it('refuses malformed input with ValidationError, not a crash', async () => {
    await expectError(ctx.platform.query('SELEC nonsense'), ValidationError, 'validation_failed');
    await expectError(ctx.platform.query('SELECT * FROM no_such_table'), ValidationError, 'validation_failed');
    await expectError(ctx.platform.query(untyped(42)), ValidationError, 'validation_failed');
    await expectError(ctx.platform.query(''), ValidationError, 'validation_failed');
  });

  it('refuses every write, however phrased, and writes nothing', async () => {
    await seed();
    const before = await snapshot(ctx.platform);
    const evil =
      backend.name === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'evil%'"
        : "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'evil%'";
    for (const sql of WRITES) {
      await expectError(ctx.platform.query(sql), ValidationError, 'validation_failed', sql);
      expect(await snapshot(ctx.platform), sql).toEqual(before);
      expect(await ctx.platform.query(evil), sql).toEqual([]);
    }
    // The engine still works normally afterwards.
    const c = await ctx.platform.createCustomer({ email: 'after@example.com', name: 'After' });
    expect(await ctx.platform.getCustomer(c)).not.toBeNull();
  });

  it('refuses writes hidden in parameterised multi-statement strings too', async () => {
    await seed();
    const before = await snapshot(ctx.platform);
    await expectError(ctx.platform.query(`SELECT ${p1}; COMMIT; DELETE FROM inventory_movements`, [1]), ValidationError, 'validation_failed');
    expect(await snapshot(ctx.platform)).toEqual(before);
  });

  if (backend.name === 'postgres') it('postgres: refuses sequence writes; a large object never outlives the query', async () => {
    await seed();
    const before = await snapshot(ctx.platform);
    const objects = async () => Number((await ctx.platform.query('SELECT COUNT(*) AS n FROM pg_largeobject_metadata'))[0]!.n);
    const objectsBefore = await objects();
    await expectError(ctx.platform.query("SELECT nextval(pg_get_serial_sequence('products', 'id'))"), ValidationError, 'validation_failed');
    await ctx.platform.query('SELECT lo_create(0) AS oid').catch(() => undefined);
    expect(await objects()).toBe(objectsBefore);
    expect(await snapshot(ctx.platform)).toEqual(before);
    const id = await ctx.platform.addProduct({ name: 'Next', price: 1, stock: 1 });
    expect(id).toBe(4);
  });

  if (backend.name === 'postgres') it('postgres: a session advisory lock taken in a query does not outlive it', async () => {
    // Left held on a pooled connection, such a lock would block others forever (with the migration
    // lock's key, every later open would hang). A key of our own keeps parallel runs independent.
    const key = 700_000 + Math.floor(Math.random() * 100_000);
    await ctx.platform.query('SELECT pg_advisory_lock($1)', [key]);
    const probe = new pg.Client({ connectionString: inject('pgUrl')! });
    await probe.connect();
    try {
      const got = await probe.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      expect(got.rows[0]!.ok).toBe(true);
      await probe.query('SELECT pg_advisory_unlock($1)', [key]);
    } finally {
      await probe.end();
    }
  });

  if (backend.name === 'sqlite') it('sqlite: side-effecting pragma functions are refused and the settings stay', async () => {
    await seed();
    await expectError(ctx.platform.query("SELECT * FROM pragma_journal_mode('DELETE')"), ValidationError, 'validation_failed');
    await expectError(ctx.platform.query('SELECT * FROM pragma_foreign_keys(0)'), ValidationError, 'validation_failed');
    expect(await ctx.platform.query('PRAGMA journal_mode').catch(() => 'refused')).toBe('refused');
    const mode = await ctx.platform.db.get<{ journal_mode: string }>('PRAGMA journal_mode');
    expect(mode?.journal_mode).toBe('wal');
  });
});

describe('query() on an in-memory SQLite database (one shared connection)', () => {
  it('refuses state-changing pragmas and writes; foreign keys stay enforced', async () => {
    const platform = await EcommercePlatform.open(':memory:');
    try {
      await platform.createCustomer({ email: 'm@example.com', name: 'M' });
      const before = await snapshot(platform);
      for (const sql of WRITES) await expectError(platform.query(sql), ValidationError, 'validation_failed');
      expect(await snapshot(platform)).toEqual(before);
      // A cart line for a customer that does not exist must still violate the foreign key.
      await expect(
        platform.db.run("INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES (999, 999, 999, 1, '2020-01-01')"),
      ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    } finally {
      await platform.close();
    }
  });
});
