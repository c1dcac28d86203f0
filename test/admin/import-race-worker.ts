// One of two processes that click "Apply" on the same import at once (test/admin/import.test.ts):
// claims the job after the parent's go and applies it if the claim was its own, else follows it to the end.
import { ImportJobs } from '../../src/csv/import-jobs.js';
import { ConflictError, EcommercePlatform } from '../../src/index.js';
import { raceWorker } from '../processes.js';

const [url, job] = process.argv.slice(2) as [string, string];
await raceWorker(
  async () => {
    const platform = await EcommercePlatform.open(url);
    await platform.getProduct(1); // the connection is open and warm before the go
    return { platform, jobs: new ImportJobs(platform.db, platform.shop.currency) };
  },
  async ({ jobs }) => {
    try {
      const { run } = await jobs.start(Number(job), null);
      await run;
      return 'applied';
    } catch (e) {
      if (!(e instanceof ConflictError)) return String(e);
      // The other click's tab: it follows the progress page until the import is done.
      while ((await jobs.get(Number(job)))?.status !== 'done') await new Promise((r) => setTimeout(r, 20));
      return 'conflict';
    }
  },
  ({ platform }) => platform.close(),
);
