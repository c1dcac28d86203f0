/**
 * npm run bench — complete checkouts per second (two addToCart + createOrder per checkout, as one
 * customer would), one customer at a time and 16 customers in flight, against the bound: the same
 * writes with no engine code, (a) one transaction per call, (b) 16 checkouts per transaction.
 * SQLite file by default (bound: bare better-sqlite3 at synchronous=FULL); with
 * DATABASE_URL=postgres://… the engine on PostgreSQL against bare `pg` (bench/pg-bound.ts) in the
 * same run. Prints medians of BENCH_RUNS runs.
 */
import { rmSync } from 'node:fs';
import { pgBound } from './pg-bound.js';
import { fixture, libraryRate, pgUrlOf, pick } from './library.js';
import { openBound } from './sqlite-bound.js';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 3000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IN_FLIGHT = 16;
const PG_URL = pgUrlOf(process.env.DATABASE_URL);

async function engine(inFlight: number): Promise<number> {
  return (await libraryRate(PG_URL, inFlight, CHECKOUTS)).rate;
}

async function bound(groupSize: number): Promise<number> {
  const f = await fixture(undefined, CHECKOUTS);
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
