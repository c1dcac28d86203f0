/**
 * What the catalog-version trigger costs a checkout on SQLite: the CPU time of complete checkouts
 * (two addToCart + createOrder, 16 customers in flight) with the trigger and with it dropped,
 * alternating, median of RUNS. CPU time rather than wall time, so other load on the machine and
 * fsync waits do not drown the difference. Run by `npm run bench:catalog` after the latency bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcommercePlatform } from '../src/index.js';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 1500);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function cpuPerCheckout(withTrigger: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-trigger-'));
  const p = await EcommercePlatform.open(join(dir, 'store.db'));
  try {
    if (!withTrigger) await p.db.run('DROP TRIGGER products_version_update');
    const products = await Promise.all(
      Array.from({ length: 200 }, (_, i) => p.addProduct({ name: `Product ${i}`, priceCents: 100 + i, stock: 1_000_000, category: `C${i % 10}` })),
    );
    const customers = await Promise.all(Array.from({ length: CHECKOUTS }, (_, i) => p.createCustomer({ email: `t${i}@example.com`, name: `T ${i}` })));
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CHECKOUTS) {
          const i = next++;
          await p.addToCart(customers[i]!, products[(i * 7) % 200]!, 1);
          await p.addToCart(customers[i]!, products[(i * 13 + 1) % 200]!, 1);
          await p.createOrder(customers[i]!);
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / CHECKOUTS;
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const withT: number[] = [];
const withoutT: number[] = [];
for (let r = 0; r < RUNS; r++) {
  withT.push(await cpuPerCheckout(true));
  withoutT.push(await cpuPerCheckout(false));
}
const a = median(withT);
const b = median(withoutT);
console.log(
  `\nSQLite checkout CPU (2 stock decrements each), median of ${RUNS}×${CHECKOUTS}: ` +
    `with catalog_version trigger ${a.toFixed(0)} µs, without ${b.toFixed(0)} µs (${signed(a - b)} µs, ${signed(((a - b) / b) * 100)}%)`,
);
