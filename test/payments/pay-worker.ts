// A separate OS process for the multi-process payment race: waits for "go", then pays one order `count` times at once.
import { EcommercePlatform } from '../../src/index.js';

const [url, orderId, count] = process.argv.slice(2) as [string, string, string];
const platform = await EcommercePlatform.open(url);
process.send!('ready');
await new Promise<void>((resolve) => process.once('message', () => resolve()));
const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => platform.payOrder(Number(orderId), { card: '4242424242424242' })));
const summary = { ok: 0, conflict: 0, other: [] as string[] };
for (const r of results) {
  if (r.status === 'fulfilled') summary.ok++;
  else if ((r.reason as { code?: string }).code === 'conflict') summary.conflict++;
  else summary.other.push(String(r.reason));
}
await platform.close();
process.send!(summary, () => process.exit(0));
