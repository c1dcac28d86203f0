// A separate OS process for the multi-process race: checks out every customer it is given, all at once.
import { EcommercePlatform, InsufficientStockError } from '../src/index.js';

const [url, list] = process.argv.slice(2) as [string, string];
const customers = JSON.parse(list) as number[];
const platform = await EcommercePlatform.open(url);
const results = await Promise.allSettled(customers.map((c) => platform.createOrder(c)));
const summary = { ok: 0, insufficient: 0, other: [] as string[] };
for (const r of results) {
  if (r.status === 'fulfilled') summary.ok++;
  else if (r.reason instanceof InsufficientStockError) summary.insufficient++;
  else summary.other.push(String(r.reason));
}
await platform.close();
process.send!(summary, () => process.exit(0));
