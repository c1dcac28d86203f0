// One OS process of the summaries race: opens the shop, waits for "go", then places an order for
// each customer it was given (their carts are filled) and moves them: cancel, or pay and prepare.
import { EcommercePlatform } from '../../src/index.js';
import { raceWorker } from '../processes.js';

const [url, list] = process.argv.slice(2) as [string, string];
const customers = JSON.parse(list) as number[];

await raceWorker(
  () => EcommercePlatform.open(url),
  (platform) =>
    Promise.all(
      customers.map(async (customer, i) => {
        const order = await platform.createOrder(customer);
        if (i % 3 === 0) await platform.cancelOrder(order);
        if (i % 3 === 1) {
          await platform.payOrder(order, { card: '4242424242424242' });
          await platform.updateOrderStatus(order, 'processing');
        }
        return order;
      }),
    ),
  (platform) => platform.close(),
);
