/**
 * Where several processes on one SQLite file stop scaling: N OS processes (1, 2, 4) share one
 * file and run complete checkouts (two addToCart + createOrder) through the engine, 16 customers
 * in flight per process, no HTTP in between. Prints total checkouts/s per N.
 *
 *   node --import tsx bench/sqlite-processes.ts      (BENCH_CHECKOUTS=2000, BENCH_PROCESSES=1,2,4)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcommercePlatform } from '../src/index.js';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 2000);
const PROCESSES = (process.env.BENCH_PROCESSES ?? '1,2,4').split(',').map(Number);
const IN_FLIGHT = 16;
const PRODUCTS = 200;

interface Job {
  file: string;
  customers: number[];
  products: number[];
}

async function child(): Promise<void> {
  const job = JSON.parse(process.argv[3]!) as Job;
  const p = await EcommercePlatform.open(job.file);
  await new Promise<void>((resolve) => process.once('message', () => resolve())); // start together
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < job.customers.length) {
        const i = next++;
        const a = job.products[(i * 7) % job.products.length]!;
        const b = job.products[(i * 13 + 1) % job.products.length]!;
        await p.addToCart(job.customers[i]!, a, 1);
        await p.addToCart(job.customers[i]!, a === b ? job.products[(i + 1) % job.products.length]! : b, 1);
        await p.createOrder(job.customers[i]!);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await p.close();
  process.send!({ seconds }, () => process.exit(0));
}

async function run(processes: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-procs-'));
  const file = join(dir, 'store.db');
  const p = await EcommercePlatform.open(file);
  const products = await Promise.all(Array.from({ length: PRODUCTS }, (_, i) => p.addProduct({ name: `P${i}`, priceCents: 100 + i, stock: 1_000_000 })));
  const customers = await Promise.all(Array.from({ length: CHECKOUTS }, (_, i) => p.createCustomer({ email: `c${i}@example.com`, name: `C ${i}` })));
  await p.close();
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: processes }, (_, k) =>
    fork(self, ['child', JSON.stringify({ file, products, customers: customers.filter((_, i) => i % processes === k) })], {
      execArgv: ['--import', 'tsx'],
    }),
  );
  // Children signal readiness by being connected; give them a moment to open the file, then start all.
  await new Promise((r) => setTimeout(r, 3000));
  const started = process.hrtime.bigint();
  const done = children.map((c) => new Promise((resolve) => c.once('message', resolve)));
  for (const c of children) c.send('go');
  await Promise.all(done);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  return CHECKOUTS / seconds;
}

if (process.argv[2] === 'child') {
  await child();
} else {
  console.log(`SQLite file, WAL, synchronous=FULL; ${CHECKOUTS} checkouts, ${IN_FLIGHT} in flight per process (checkouts/s, all processes together)`);
  for (const n of PROCESSES) console.log(`${n} process(es): ${Math.round(await run(n)).toLocaleString('en-US')}`);
}
