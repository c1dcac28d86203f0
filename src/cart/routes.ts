import { Type } from '@fastify/type-provider-typebox';
import { caller } from '../auth/hook.js';
import { fromCents } from '../money.js';
import { CartSchema, Id, ProductIdParams, Quantity } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import type { CartItem } from './service.js';
import { cartWithDiscount } from '../promotions/routes.js';

export function cartView(items: CartItem[]) {
  const totalCents = items.reduce((sum, i) => sum + i.subtotalCents, 0);
  return { items, itemCount: items.reduce((n, i) => n + i.quantity, 0), total: fromCents(totalCents), totalCents };
}

/** The signed-in customer's own cart; every change answers with the whole cart. */
export const cartRoutes: Routes = (app, { platform }) => {
  const reply200 = { response: { 200: CartSchema } };
  const view = (customerId: number) => cartWithDiscount(platform, customerId);

  app.get('/api/cart', { schema: { tags: ['cart'], summary: 'The cart', ...reply200 } }, async (request) => view(caller(request).customerId));

  app.post(
    '/api/cart/items',
    {
      schema: {
        tags: ['cart'],
        summary: 'Add a quantity of a product (adds to an existing line; may not exceed stock)',
        body: Type.Object({ productId: Id, quantity: Type.Optional(Quantity) }),
        ...reply200,
      },
    },
    async (request) => {
      const { customerId } = caller(request);
      await platform.cart.add(customerId, request.body.productId, request.body.quantity ?? 1);
      return view(customerId);
    },
  );

  app.patch(
    '/api/cart/items/:productId',
    {
      schema: {
        tags: ['cart'],
        summary: "Set a line's quantity",
        params: ProductIdParams,
        body: Type.Object({ quantity: Quantity }),
        ...reply200,
      },
    },
    async (request) => {
      const { customerId } = caller(request);
      await platform.cart.setQuantity(customerId, request.params.productId, request.body.quantity);
      return view(customerId);
    },
  );

  app.delete(
    '/api/cart/items/:productId',
    { schema: { tags: ['cart'], summary: 'Remove a line', params: ProductIdParams, ...reply200 } },
    async (request) => {
      const { customerId } = caller(request);
      await platform.cart.remove(customerId, request.params.productId);
      return view(customerId);
    },
  );

  app.delete('/api/cart', { schema: { tags: ['cart'], summary: 'Empty the cart', ...reply200 } }, async (request) => {
    const { customerId } = caller(request);
    await platform.cart.clear(customerId);
    return view(customerId);
  });
};
