// One of two processes that click "Apply" on the same import at once (test/admin/import.test.ts):
// claims the job after the parent's go and applies it if the claim was its own.
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
      return e instanceof ConflictError ? 'conflict' : String(e);
    }
  },
  ({ platform }) => platform.close(),
);
