/**
 * npm run bench — complete checkouts per second on a file database (two addToCart + createOrder
 * per checkout, as one customer would), one customer at a time and 16 customers in flight,
 * against the bound: the same writes with bare better-sqlite3 statements at the same durability,
 * (a) one transaction per call, (b) 16 checkouts per transaction. Prints medians of RUNS runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcommercePlatform } from '../src/index.js';
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

async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-'));
  const file = join(dir, 'store.db');
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
  rmSync(f.dir, { recursive: true, force: true });
  return CHECKOUTS / seconds;
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
  results.boundA!.push(await bound(1));
  results.one!.push(await engine(1));
  results.boundB!.push(await bound(IN_FLIGHT));
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
console.log(`SQLite file, WAL, synchronous=FULL; ${CHECKOUTS} checkouts per run, median of ${RUNS} runs (checkouts/s)`);
console.log(`bound (a) bare better-sqlite3, one transaction per call : ${fmt(m.boundA)}`);
console.log(`engine, one customer at a time                       : ${fmt(m.one)}  (${pct(m.one, m.boundA)} of bound a; target 50%)`);
console.log(`bound (b) bare better-sqlite3, 16 checkouts per tx     : ${fmt(m.boundB)}`);
console.log(`engine, 16 customers in flight (group commit)         : ${fmt(m.sixteen)}  (${pct(m.sixteen, m.boundB)} of bound b; target 60%)`);
console.log(`runs: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(Math.round)])))}`);
