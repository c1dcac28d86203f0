// A library process under checkout load, to be SIGKILLed at a random moment: reports every order
// the moment its createOrder resolves (an acknowledgement), until it is killed.
import { EcommercePlatform } from '../../src/index.js';

const [url, productArg, prefix] = process.argv.slice(2) as [string, string, string];
const productId = Number(productArg);
const platform = await EcommercePlatform.open(url);
let n = 0;
async function shopper(): Promise<never> {
  for (;;) {
    const customer = await platform.createCustomer({ email: `${prefix}-${process.pid}-${n++}@example.com`, name: 'Load' });
    await platform.addToCart(customer, productId, 1 + (n % 3));
    const order = await platform.createOrder(customer);
    process.send!({ order });
  }
}
for (let i = 0; i < 16; i++) void shopper();
