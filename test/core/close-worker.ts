// A process whose last work is `platform.close()`: it must end by itself with exit code 0 once the
// database is closed (nothing left pending, e.g. the background checkpointer's exit).
import { EcommercePlatform } from '../../src/index.js';

const [url] = process.argv.slice(2) as [string];
const platform = await EcommercePlatform.open(url);
await platform.addProduct({ name: 'Mug', price: 9.99, stock: 3 });
await platform.close();
process.stdout.write('closed\n');
