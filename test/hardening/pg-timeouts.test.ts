import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BusyError, EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { expectError } from '../core/fixture.js';

// PostgreSQL's lock, statement and pool timeouts; SQLite's lock wait (busyTimeoutMs) is in sqlite-durability.test.ts.
const postgres = backends.filter((b) => b.name === 'postgres');

describe.each(postgres)('PostgreSQL timeouts on $name', (backend) => {
  it('a write waiting on a held row lock, a runaway statement and a full pool end in a BusyError (503), not a hang', async () => {
    const target = await backend.create();
    const p = await EcommercePlatform.open(target.url, { lockTimeoutMs: 200, statementTimeoutMs: 300, connectTimeoutMs: 200, poolMax: 2 });
    const u = new URL(target.url);
    const schema = u.searchParams.get('schema')!;
    u.searchParams.delete('schema');
    const holder = new pg.Client({ connectionString: u.toString(), options: `-c search_path=${schema}` });
    try {
      const product = await p.addProduct({ name: 'Lamp', price: 10, stock: 10 });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM products WHERE id = $1 FOR UPDATE', [product]);
      const locked = await expectError(p.updateStock(product, 1), BusyError, 'busy', 'row lock held');
      expect(locked.statusCode).toBe(503);
      await holder.query('COMMIT');
      expect(await p.updateStock(product, 1)).toBe(11);

      await expectError(p.db.transaction((tx) => tx.get('SELECT pg_sleep(2)')), BusyError, 'busy', 'statement timeout');
      await expectError(p.db.get('SELECT pg_sleep(2)'), BusyError, 'busy', 'statement timeout outside a transaction');

      // Both pooled connections held by transactions that wait for a signal: the third caller gets none.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const entered: Promise<void>[] = [];
      const holders = [0, 1].map(() => {
        let signal!: () => void;
        entered.push(new Promise<void>((r) => (signal = r)));
        return p.db.transaction(async (tx) => {
          await tx.get('SELECT 1 AS one');
          signal();
          await gate;
        });
      });
      await Promise.all(entered); // barrier: both connections are taken
      await expectError(p.db.transaction((tx) => tx.get('SELECT 1 AS one')), BusyError, 'busy', 'pool exhausted');
      release();
      await Promise.all(holders);
      expect(await p.updateStock(product, 1)).toBe(12);
    } finally {
      await holder.end().catch(() => undefined);
      await p.close();
      await target.cleanup();
    }
  });
});
