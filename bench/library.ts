/**
 * The library's checkout loop shared by `npm run bench` and `npm run bench:http`: on a fresh
 * database, CHECKOUTS customers each do addToCart, addToCart, createOrder (as one customer would),
 * `inFlight` customers at a time. Reports checkouts/s and the driver's statements (and round
 * trips) per complete checkout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EcommercePlatform } from '../src/index.js';

export const PRODUCTS = 200;

export interface Fixture {
  dir: string;
  file: string;
  customers: number[];
  products: number[];
}

export const pgUrlOf = (target: string | undefined) => (target && /^postgres(ql)?:/.test(target) ? target : undefined);

let fixtures = 0;

/** A fresh database: a temp SQLite file, or a fresh schema on `pgUrl`'s PostgreSQL. */
export async function fixture(pgUrl: string | undefined, checkouts: number): Promise<Fixture> {
  let dir = '';
  let file: string;
  if (pgUrl) {
    const u = new URL(pgUrl);
    u.searchParams.set('schema', `sk_bench_core_${process.pid}_${fixtures++}`);
    file = u.toString();
  } else {
    dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
    file = join(dir, 'store.db');
  }
  const p = await EcommercePlatform.open(file);
  const products = await Promise.all(
    Array.from({ length: PRODUCTS }, (_, i) => p.addProduct({ name: `Product ${i}`, priceCents: 100 + i, stock: 1_000_000, category: `C${i % 10}` })),
  );
  const customers = await Promise.all(Array.from({ length: checkouts }, (_, i) => p.createCustomer({ email: `bench${i}@example.com`, name: `Bench ${i}` })));
  await p.close();
  return { dir, file, customers, products };
}

export function pick(f: Fixture, i: number): [number, number, number] {
  const a = f.products[(i * 7) % PRODUCTS]!;
  const b = f.products[(i * 13 + 1) % PRODUCTS]!;
  return [f.customers[i]!, a, a === b ? f.products[(i + 1) % PRODUCTS]! : b];
}

export async function dispose(f: Fixture, pgUrl: string | undefined): Promise<void> {
  if (!pgUrl) return rmSync(f.dir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${new URL(f.file).searchParams.get('schema')}" CASCADE`);
  await c.end();
}

export interface LibraryResult {
  rate: number;
  /** CPU time of this process (all its threads) per checkout, in µs. */
  cpuMicros: number;
  statementsPerCheckout: number;
  roundTripsPerCheckout: number;
}

/**
 * Complete checkouts per second through the library with `inFlight` customers at a time, measured
 * after `warmup` untimed checkouts (other customers) that let V8 compile the path first.
 */
export async function libraryRate(pgUrl: string | undefined, inFlight: number, checkouts: number, warmup = 0): Promise<LibraryResult> {
  const f = await fixture(pgUrl, warmup + checkouts);
  const p = await EcommercePlatform.open(f.file);
  const run = async (from: number, to: number) => {
    let next = from;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < to) {
          const [c, a, b] = pick(f, next++);
          await p.addToCart(c, a, 1);
          await p.addToCart(c, b, 1);
          await p.createOrder(c);
        }
      }),
    );
  };
  await run(0, warmup);
  const before = { ...p.db.stats };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run(warmup, warmup + checkouts);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const after = p.db.stats;
  await p.close();
  await dispose(f, pgUrl);
  return {
    rate: checkouts / seconds,
    cpuMicros: (used.user + used.system) / checkouts,
    statementsPerCheckout: (after.statements - before.statements) / checkouts,
    roundTripsPerCheckout: (after.roundTrips - before.roundTrips) / checkouts,
  };
}
