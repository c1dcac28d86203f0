/**
 * npm run bench — complete checkouts per second (two addToCart + createOrder per checkout, as one
 * customer would), one customer at a time and 16 customers in flight, against the bound: the same
 * writes with no engine code, (a) one transaction per call, (b) 16 checkouts per transaction.
 * SQLite file by default (bound: bare better-sqlite3 at synchronous=FULL); with
 * DATABASE_URL=postgres://… the engine on PostgreSQL against bare `pg` (bench/pg-bound.ts) in the
 * same run. Prints medians of BENCH_RUNS runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcommercePlatform } from '../src/index.js';
import pg from 'pg';
import { pgBound } from './pg-bound.js';
import { openBound } from './sqlite-bound.js';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 3000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PRODUCTS = 200;
const IN_FLIGHT = 16;

interface Fixture {
  dir: string;
  file: string;
  customers: number[];
  products: number[];
}

const PG_URL = process.env.DATABASE_URL && /^postgres(ql)?:/.test(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
let fixtures = 0;

/** A fresh database: a temp SQLite file, or a fresh schema on DATABASE_URL's PostgreSQL. */
async function fixture(): Promise<Fixture> {
  let dir = '';
  let file: string;
  if (PG_URL) {
    const u = new URL(PG_URL);
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
  const customers = await Promise.all(
    Array.from({ length: CHECKOUTS }, (_, i) => p.createCustomer({ email: `bench${i}@example.com`, name: `Bench ${i}` })),
  );
  await p.close();
  return { dir, file, customers, products };
}

function pick(f: Fixture, i: number): [number, number, number] {
  const a = f.products[(i * 7) % PRODUCTS]!;
  const b = f.products[(i * 13 + 1) % PRODUCTS]!;
  return [f.customers[i]!, a, a === b ? f.products[(i + 1) % PRODUCTS]! : b];
}

async function engine(inFlight: number): Promise<number> {
  const f = await fixture();
  const p = await EcommercePlatform.open(f.file);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < CHECKOUTS) {
        const [c, a, b] = pick(f, next++);
        await p.addToCart(c, a, 1);
        await p.addToCart(c, b, 1);
        await p.createOrder(c);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await p.close();
  await dispose(f);
  return CHECKOUTS / seconds;
}

async function dispose(f: Fixture): Promise<void> {
  if (!PG_URL) return rmSync(f.dir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${new URL(f.file).searchParams.get('schema')}" CASCADE`);
  await c.end();
}

async function bound(groupSize: number): Promise<number> {
  const f = await fixture();
  const b = openBound(f.file);
  const start = process.hrtime.bigint();
  if (groupSize === 1) {
    for (let i = 0; i < CHECKOUTS; i++) b.perCall(...pick(f, i));
  } else {
    for (let i = 0; i < CHECKOUTS; i += groupSize) {
      b.batch(Array.from({ length: Math.min(groupSize, CHECKOUTS - i) }, (_, k) => pick(f, i + k)));
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  b.close();
  rmSync(f.dir, { recursive: true, force: true });
  return CHECKOUTS / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Record<string, number[]> = { boundA: [], boundB: [], one: [], sixteen: [] };
for (let r = 0; r < RUNS; r++) {
  if (PG_URL) {
    const b = await pgBound(PG_URL, { checkouts: CHECKOUTS, connections: IN_FLIGHT, group: IN_FLIGHT });
    results.boundA!.push(b.perCall);
    results.boundB!.push(b.batched);
  } else {
    results.boundA!.push(await bound(1));
    results.boundB!.push(await bound(IN_FLIGHT));
  }
  results.one!.push(await engine(1));
  results.sixteen!.push(await engine(IN_FLIGHT));
}
const m = {
  boundA: median(results.boundA!),
  boundB: median(results.boundB!),
  one: median(results.one!),
  sixteen: median(results.sixteen!),
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
const raw = PG_URL ? 'bare pg (16 connections)' : 'bare better-sqlite3';
console.log(
  `${PG_URL ? 'PostgreSQL' : 'SQLite file, WAL, synchronous=FULL'}; ${CHECKOUTS} checkouts per run, median of ${RUNS} runs (checkouts/s)`,
);
console.log(`bound (a) ${raw}, one transaction per call : ${fmt(m.boundA)}`);
console.log(`engine, one customer at a time                       : ${fmt(m.one)}  (${pct(m.one, m.boundA)} of bound a; target 50%)`);
console.log(`bound (b) ${raw}, 16 checkouts per tx     : ${fmt(m.boundB)}`);
console.log(`engine, 16 customers in flight (group commit)         : ${fmt(m.sixteen)}  (${pct(m.sixteen, m.boundB)} of bound b; target 60%)`);
console.log(`runs: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(Math.round)])))}`);
