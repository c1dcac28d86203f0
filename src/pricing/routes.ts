import { Type } from '@fastify/type-provider-typebox';
import { IdParams, Nullable, Timestamp } from '../http/schemas.js';
import type { Routes } from '../http/types.js';

const PriceChangeSchema = Type.Object(
  {
    id: Type.Integer(),
    productId: Type.Integer(),
    oldPrice: Type.Number(),
    oldPriceCents: Type.Integer(),
    newPrice: Type.Number(),
    newPriceCents: Type.Integer(),
    changedAt: Timestamp,
    changedBy: Nullable(Type.Integer({ description: 'The admin who changed it' })),
  },
  { additionalProperties: true },
);

export const priceHistoryRoutes: Routes = (app, { platform }) => {
  app.get(
    '/api/products/:id/price-history',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['catalog', 'admin'],
        summary: "Every change of a product's price, newest first",
        description: 'lowestPrice30d is the lowest price of the 30 days before the current reduction (EU Omnibus rule); null when not on sale.',
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(PriceChangeSchema), lowestPrice30d: Nullable(Type.Number()), lowestPrice30dCents: Nullable(Type.Integer()) }),
        },
      },
    },
    async (request) => {
      const items = await platform.getPriceHistory(request.params.id);
      return { items, ...(await platform.priceHistory.lowestPrice30d(request.params.id)) };
    },
  );
};
