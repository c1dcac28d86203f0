import { Type } from '@fastify/type-provider-typebox';
import { decodeCursor, page } from '../http/pagination.js';
import { IdParams, Nullable, PageQuery, Timestamp } from '../http/schemas.js';
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
        querystring: PageQuery,
        response: {
          200: Type.Object({
            items: Type.Array(PriceChangeSchema),
            nextCursor: Nullable(Type.String()),
            lowestPrice30d: Nullable(Type.Number()),
            lowestPrice30dCents: Nullable(Type.Integer()),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 20;
      const rows = await platform.priceHistory.history(request.params.id, { limit: limit + 1, cursor: decodeCursor(request.query.cursor) });
      return { ...page(rows, limit), ...(await platform.priceHistory.lowestPrice30d(request.params.id)) };
    },
  );
};
