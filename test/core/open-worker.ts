// A separate OS process that opens (creating and migrating) a database and reports how it went;
// it opens on the parent's go (test/processes.ts), so all of them open at once.
import { EcommercePlatform } from '../../src/index.js';
import { raceWorker } from '../processes.js';

const [url] = process.argv.slice(2) as [string];
await raceWorker(
  async () => undefined,
  async () => {
    try {
      const platform = await EcommercePlatform.open(url);
      await platform.close();
      return 'ok';
    } catch (e) {
      return String((e as Error).stack ?? e);
    }
  },
);
