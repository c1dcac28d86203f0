// A separate OS process for the multi-process race: checks out every customer it is given, all at
// once, after the parent's go (test/processes.ts), so the processes really race each other.
import { EcommercePlatform, InsufficientStockError } from '../src/index.js';
import { raceWorker } from './processes.js';

const [url, list] = process.argv.slice(2) as [string, string];
const customers = JSON.parse(list) as number[];
await raceWorker(
  async () => {
    const platform = await EcommercePlatform.open(url);
    await platform.getProduct(1); // the connection is open and warm before the go
    return platform;
  },
  async (platform) => {
    const results = await Promise.allSettled(customers.map((c) => platform.createOrder(c)));
    const summary = { ok: 0, insufficient: 0, other: [] as string[] };
    for (const r of results) {
      if (r.status === 'fulfilled') summary.ok++;
      else if (r.reason instanceof InsufficientStockError) summary.insufficient++;
      else summary.other.push(String(r.reason));
    }
    return summary;
  },
  (platform) => platform.close(),
);
