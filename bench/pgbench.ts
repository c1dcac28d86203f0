/**
 * The PostgreSQL bound of `npm run bench:http`: `pgbench` running bench/checkout.sql (the engine's
 * checkout SQL, one complete checkout per pgbench transaction) on a fresh schema made by the
 * engine's migrations, `clients` connections for `seconds`; the schema is dropped afterwards.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { EcommercePlatform } from '../src/index.js';

/** bench/checkout.sql: statement by statement, as issue 15 listed it; checkout-batched.sql: as the engine now sends it. */
export const PGBENCH_SCRIPTS = {
  statements: fileURLToPath(new URL('./checkout.sql', import.meta.url)),
  batched: fileURLToPath(new URL('./checkout-batched.sql', import.meta.url)),
} as const;
const PRODUCTS = 100;

export interface PgbenchResult {
  /** Complete checkouts per second (pgbench's tps without connection time). */
  tps: number;
  /** SQL statements per checkout in the script, BEGIN/COMMIT/SET included. */
  statements: number;
}

export async function pgbenchBound(baseUrl: string, o: { seconds: number; clients: number; script: keyof typeof PGBENCH_SCRIPTS }): Promise<PgbenchResult> {
  const SCRIPT = PGBENCH_SCRIPTS[o.script];
  const schema = `sk_pgbench_${process.pid}`;
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  const p = await EcommercePlatform.open(u.toString());
  const products: number[] = [];
  const customers: number[] = [];
  const variants: number[] = [];
  try {
    // One at a time, so the ids are consecutive (the script draws them from a range).
    for (let i = 0; i < PRODUCTS; i++) products.push(await p.addProduct({ name: `Product ${i}`, priceCents: 500 + i, stock: 100_000_000 }));
    for (let i = 0; i < o.clients; i++) customers.push(await p.createCustomer({ email: `pgbench${i}@example.com`, name: `Pgbench ${i}` }));
    for (const productId of products) variants.push((await p.db.get<{ id: number }>('SELECT id FROM product_variants WHERE product_id = ?', [productId]))!.id);
  } finally {
    await p.close();
  }
  const consecutive = (ids: number[]) => ids.every((id, i) => id === ids[0]! + i);
  if (!consecutive(products) || !consecutive(customers) || !consecutive(variants)) throw new Error('pgbench fixture: ids are not consecutive');
  const base = new URL(baseUrl);
  base.searchParams.delete('schema');
  try {
    const { stdout } = await promisify(execFile)(
      'pgbench',
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(o.clients),
        '-j',
        '2',
        '-T',
        String(o.seconds),
        '-D',
        `cbase=${customers[0]}`,
        '-D',
        `pmin=${products[0]}`,
        '-D',
        `pmax=${products.at(-1)}`,
        '-D',
        `vmin=${variants[0]}`,
        '-f',
        SCRIPT,
        '-h',
        base.hostname,
        '-p',
        base.port || '5432',
        '-U',
        decodeURIComponent(base.username || 'postgres'),
        decodeURIComponent(base.pathname.slice(1) || 'postgres'),
      ],
      { env: { ...process.env, PGOPTIONS: `-c search_path=${schema}`, ...(base.password ? { PGPASSWORD: decodeURIComponent(base.password) } : {}) } },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    if (!tps) throw new Error(`pgbench: no tps in\n${stdout}`);
    if (failed && Number(failed[1]) > 0) throw new Error(`pgbench: ${failed[1]} failed transactions\n${stdout}`);
    const statements = readFileSync(SCRIPT, 'utf8')
      .split('\n')
      .filter((l) => /;\s*$|\\gset\s*$/.test(l) && !l.startsWith('--')).length;
    return { tps: Number(tps[1]), statements };
  } finally {
    const c = new pg.Client({ connectionString: base.toString() });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}
