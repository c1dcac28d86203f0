// A separate OS process that opens (creating and migrating) a database and reports how it went.
import { EcommercePlatform } from '../../src/index.js';

const [url] = process.argv.slice(2) as [string];
let result: string;
try {
  const platform = await EcommercePlatform.open(url);
  await platform.close();
  result = 'ok';
} catch (e) {
  result = String((e as Error).stack ?? e);
}
process.send!(result, () => process.exit(0));
