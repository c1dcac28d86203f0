/**
 * What an app using `storekeeper/client` writes; `npm run typecheck` compiles it, so a drift
 * between the server's routes and the generated types breaks the build. Each `@ts-expect-error`
 * is a mistake the types must catch (tsc fails if one of them stops being an error).
 */
import { createClient, type components } from '../../src/client/index.js';

export async function sample(baseUrl: string): Promise<number> {
  const shop = createClient({ baseUrl });
  await shop.POST('/api/auth/login', { body: { email: 'ada@example.com', password: 'analytical engine' } });
  const { data, error } = await shop.GET('/api/products', { params: { query: { q: 'mug', limit: 10 } } });
  if (error) throw new Error(error.error.message);
  const first = data.items[0];
  if (!first) return 0;
  const priceCents: number = first.priceCents;
  await shop.POST('/api/cart/items', { body: { productId: first.id, quantity: 1 } });
  const order = await shop.POST('/api/orders', { params: { header: { 'idempotency-key': 'order-1' } } });
  const status: 'pending' | 'processing' | 'shipped' | 'delivered' | 'cancelled' | undefined = order.data?.order.status;
  void status;
  const failure: components['schemas'] | undefined = undefined;
  void failure;

  // @ts-expect-error a path the server does not have
  await shop.GET('/api/nope');
  // @ts-expect-error quantity is a number
  await shop.POST('/api/cart/items', { body: { productId: first.id, quantity: 'one' } });
  // @ts-expect-error the product id is a path parameter
  await shop.GET('/api/products/{id}', {});
  // @ts-expect-error a price in minor units is a number
  const label: string = first.priceCents;
  void label;
  return priceCents;
}
