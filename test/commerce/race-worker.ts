// One OS process of the variant race: opens the shop, says it is ready, and on "go" checks out
// every cart it was given at once (accounts by id, guests by token with email and address).
import { EcommercePlatform, InsufficientStockError, type CartOwner } from '../../src/index.js';

const [url, list] = process.argv.slice(2) as [string, string];
const owners = JSON.parse(list) as CartOwner[];
const platform = await EcommercePlatform.open(url);
const address = { name: 'Racer', line1: 'Track 1', city: 'Monza', postalCode: '20900', country: 'IT' };
process.on('message', async (m) => {
  if (typeof m !== 'object' || m === null || !('startAt' in m)) return;
  // Every process starts at the same instant, whenever its "go" arrived.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (m as { startAt: number }).startAt - Date.now())));
  const startedAt = Date.now();
  const results = await Promise.allSettled(
    owners.map((o, i) => platform.checkout(o, typeof o === 'number' ? {} : { email: `guest${process.pid}_${i}@example.com`, shippingAddress: address })),
  );
  const finishedAt = Date.now();
  const summary = { ok: 0, insufficient: 0, other: [] as string[], startedAt, finishedAt };
  for (const r of results) {
    if (r.status === 'fulfilled') summary.ok++;
    else if (r.reason instanceof InsufficientStockError) summary.insufficient++;
    else summary.other.push(String(r.reason));
  }
  await platform.close();
  process.send!(summary, () => process.exit(0));
});
process.send!('ready');
