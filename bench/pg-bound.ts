/**
 * The PostgreSQL bound for the core benchmark: the engine's checkout writes issued with bare `pg`
 * (named prepared statements, no engine code in the loop) on CONNECTIONS concurrent connections.
 * Per checkout: two cart adds (customer check, stock read, upsert; synchronous_commit off like the
 * engine's cart writes) and the checkout (customer row lock, cart read, conditional stock decrement
 * per line, order, lines, ledger, status, cart delete).
 *   (a) one transaction per call, (b) GROUP whole checkouts per transaction.
 *
 *   node --import tsx bench/pg-bound.ts [postgres://…]   (default $DATABASE_URL, BENCH_CHECKOUTS=3000)
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { EcommercePlatform } from '../src/index.js';

export interface PgBoundOptions {
  checkouts: number;
  /** Concurrent connections, each running checkouts back to back (default 16). */
  connections?: number;
  /** Checkouts per transaction in (b) (default 16). */
  group?: number;
  products?: number;
}

export interface PgBoundResult {
  /** Checkouts per second, one transaction per call. */
  perCall: number;
  /** Checkouts per second, `group` checkouts per transaction. */
  batched: number;
  /** Transactions retried after a deadlock or serialization failure, per mode. */
  retries: { perCall: number; batched: number };
}

const SQL = {
  customer: 'SELECT 1 AS one FROM customers WHERE id = $1',
  stockAndLine: `SELECT pv.id AS variant_id, pv.stock AS stock, c.quantity AS quantity FROM product_variants pv
    LEFT JOIN cart_items c ON c.variant_id = pv.id AND c.customer_id = $1 WHERE pv.product_id = $2 ORDER BY pv.id LIMIT 2`,
  upsert: `INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity`,
  lockCustomer: 'SELECT id FROM customers WHERE id = $1 FOR NO KEY UPDATE',
  lines: `SELECT c.product_id, c.variant_id, c.quantity, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents FROM cart_items c
    JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id WHERE c.customer_id = $1 ORDER BY c.variant_id`,
  take: 'UPDATE product_variants SET stock = stock - $1, updated_at = $2 WHERE id = $3 AND stock >= $4',
  total: 'UPDATE products SET stock = stock - $1, updated_at = $2 WHERE id = $3',
  order: `INSERT INTO orders (customer_id, status, total_cents, idempotency_key, created_at, updated_at)
    VALUES ($1, 'pending', $2, NULL, $3, $4) RETURNING id`,
  item: 'INSERT INTO order_items (order_id, product_id, variant_id, product_name, quantity, price_cents) VALUES ($1, $2, $3, $4, $5, $6)',
  ledger: 'INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
  history: 'INSERT INTO order_status_history (order_id, status, at) VALUES ($1, $2, $3)',
  clear: 'DELETE FROM cart_items WHERE customer_id = $1',
  lockProducts: 'SELECT id FROM products WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE',
} as const;

type Name = keyof typeof SQL;

class Session {
  constructor(readonly client: pg.Client) {}
  q<R extends pg.QueryResultRow = pg.QueryResultRow>(name: Name, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.client.query<R>({ name: `bound_${name}`, text: SQL[name], values });
  }
  async add(customerId: number, productId: number, qty: number): Promise<void> {
    if ((await this.q('customer', [customerId])).rowCount === 0) throw new Error('no customer');
    const row = (await this.q<{ variant_id: number; stock: number; quantity: number | null }>('stockAndLine', [customerId, productId])).rows[0];
    if (!row || (row.quantity ?? 0) + qty > row.stock) throw new Error('stock');
    await this.q('upsert', [customerId, productId, row.variant_id, qty, new Date().toISOString()]);
  }
  async checkout(customerId: number): Promise<number> {
    await this.q('lockCustomer', [customerId]);
    const lines = (await this.q<{ product_id: number; variant_id: number; quantity: number; name: string; price_cents: number }>('lines', [customerId])).rows;
    if (lines.length === 0) throw new Error('empty');
    const at = new Date().toISOString();
    let total = 0;
    for (const l of lines) {
      if ((await this.q('take', [l.quantity, at, l.variant_id, l.quantity])).rowCount === 0) throw new Error('stock');
      total += l.price_cents * l.quantity;
    }
    for (const l of [...lines].sort((a, b) => a.product_id - b.product_id)) await this.q('total', [l.quantity, at, l.product_id]);
    const id = (await this.q<{ id: number }>('order', [customerId, total, at, at])).rows[0]!.id;
    for (const l of lines) {
      await this.q('item', [id, l.product_id, l.variant_id, l.name, l.quantity, l.price_cents]);
      await this.q('ledger', [l.product_id, l.variant_id, -l.quantity, 'order', id, at]);
    }
    await this.q('history', [id, 'pending', at]);
    await this.q('clear', [customerId]);
    return id;
  }
  /** Runs fn in one transaction, retrying deadlocks and serialization failures like the engine's driver. */
  async tx(fn: () => Promise<unknown>, durable = true): Promise<number> {
    for (let retries = 0; ; retries++) {
      await this.client.query('BEGIN');
      try {
        if (!durable) await this.client.query('SET LOCAL synchronous_commit = off');
        await fn();
        await this.client.query('COMMIT');
        return retries;
      } catch (e) {
        await this.client.query('ROLLBACK');
        const code = (e as { code?: string }).code;
        if ((code !== '40001' && code !== '40P01') || retries >= 30) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * 2 ** retries)));
      }
    }
  }
}

interface Fixture {
  url: string;
  schema: string;
  customers: number[];
  products: number[];
}

let fixtures = 0;
async function fixture(baseUrl: string, checkouts: number, productCount: number): Promise<Fixture> {
  const schema = `sk_pgbound_${process.pid}_${fixtures++}`;
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  const p = await EcommercePlatform.open(u.toString());
  try {
    const products: number[] = [];
    for (let i = 0; i < productCount; i += 50) {
      const n = Math.min(50, productCount - i);
      products.push(
        ...(await Promise.all(
          Array.from({ length: n }, (_, k) => p.addProduct({ name: `Product ${i + k}`, priceCents: 100 + i + k, stock: 1_000_000, category: `C${(i + k) % 10}` })),
        )),
      );
    }
    const customers: number[] = [];
    for (let i = 0; i < checkouts; i += 100) {
      const n = Math.min(100, checkouts - i);
      customers.push(
        ...(await Promise.all(Array.from({ length: n }, (_, k) => p.createCustomer({ email: `bound${i + k}@example.com`, name: `Bound ${i + k}` })))),
      );
    }
    return { url: u.toString(), schema, customers, products };
  } finally {
    await p.close();
  }
}

async function dropFixture(baseUrl: string, f: Fixture): Promise<void> {
  const u = new URL(baseUrl);
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${f.schema}" CASCADE`);
  await c.end();
}

function pick(f: Fixture, i: number): [number, number, number] {
  const n = f.products.length;
  const a = f.products[(i * 7) % n]!;
  const b = f.products[(i * 13 + 1) % n]!;
  return [f.customers[i]!, a, a === b ? f.products[(i + 1) % n]! : b];
}

async function connect(f: Fixture): Promise<pg.Client> {
  const u = new URL(f.url);
  u.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: u.toString(), options: `-c search_path=${f.schema}` });
  await client.connect();
  return client;
}

async function run(baseUrl: string, o: Required<PgBoundOptions>, group: number): Promise<{ rate: number; retries: number }> {
  const f = await fixture(baseUrl, o.checkouts, o.products);
  const clients = await Promise.all(Array.from({ length: o.connections }, () => connect(f)));
  let next = 0;
  let retries = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      const s = new Session(client);
      while (next < o.checkouts) {
        const first = next;
        next = Math.min(o.checkouts, next + group);
        const work = Array.from({ length: next - first }, (_, k) => pick(f, first + k));
        if (group === 1) {
          const [c, a, b] = work[0]!;
          retries += await s.tx(() => s.add(c, a, 1), false);
          retries += await s.tx(() => s.add(c, b, 1), false);
          retries += await s.tx(() => s.checkout(c));
        } else {
          retries += await s.tx(async () => {
            // Many checkouts in one transaction lock many product rows: take them all first, in id
            // order, or concurrent groups deadlock (and each deadlock costs deadlock_timeout).
            await s.q('lockProducts', [[...new Set(work.flatMap(([, a, b]) => [a, b]))]]);
            for (const [c, a, b] of work) {
              await s.add(c, a, 1);
              await s.add(c, b, 1);
              await s.checkout(c);
            }
          });
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (process.env.BENCH_VERBOSE) console.error(`group ${group}: ${o.checkouts} checkouts in ${seconds.toFixed(2)}s`);
  await Promise.all(clients.map((c) => c.end()));
  await dropFixture(baseUrl, f);
  return { rate: o.checkouts / seconds, retries };
}

/** Measures both bounds on fresh schemas of the database at `url` (dropped afterwards). */
export async function pgBound(url: string, options: PgBoundOptions): Promise<PgBoundResult> {
  const o: Required<PgBoundOptions> = { connections: 16, group: 16, products: 200, ...options };
  const a = await run(url, o, 1);
  const b = await run(url, o, o.group);
  return { perCall: a.rate, batched: b.rate, retries: { perCall: a.retries, batched: b.retries } };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const checkouts = Number(process.env.BENCH_CHECKOUTS ?? 3000);
  const r = await pgBound(url, { checkouts });
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`PostgreSQL bound, bare pg, 16 connections, ${checkouts} checkouts (checkouts/s)`);
  console.log(`bound (a) one transaction per call    : ${fmt(r.perCall)}  (${r.retries.perCall} retried transactions)`);
  console.log(`bound (b) 16 checkouts per transaction : ${fmt(r.batched)}  (${r.retries.batched} retried transactions)`);
}
