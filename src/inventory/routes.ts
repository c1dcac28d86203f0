import { Type } from '@fastify/type-provider-typebox';
import { IdParams, Nullable } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { MAX_STOCK } from '../validate.js';

const Movement = Type.Object(
  {
    id: Type.Integer(),
    productId: Type.Integer(),
    variantId: Nullable(Type.Integer()),
    delta: Type.Integer(),
    reason: Type.String(),
    orderId: Nullable(Type.Integer()),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: true },
);

/** Stock changes through the ledger (admin). */
export const inventoryRoutes: Routes = (app, { platform }) => {
  app.post(
    '/api/products/:id/stock',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['inventory', 'admin'],
        summary: 'Add (positive delta) or remove (negative) stock; stock never goes below 0 (409)',
        params: IdParams,
        body: Type.Object({
          delta: Type.Integer({ minimum: -MAX_STOCK, maximum: MAX_STOCK, not: { const: 0 } }),
          reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: { 200: Type.Object({ productId: Type.Integer(), stock: Type.Integer() }) },
      },
    },
    async (request) => {
      const { delta, reason } = request.body;
      return { productId: request.params.id, stock: await platform.updateStock(request.params.id, delta, reason ?? 'adjustment') };
    },
  );

  app.get(
    '/api/products/:id/inventory',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['inventory', 'admin'],
        summary: 'Every stock movement of a product, oldest first',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Movement) }) },
      },
    },
    async (request) => ({ items: await platform.getInventoryMovements(request.params.id) }),
  );

  app.post(
    '/api/variants/:id/stock',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['inventory', 'admin'],
        summary: "Add or remove a variant's stock through the ledger; never below 0 (409)",
        params: IdParams,
        body: Type.Object({
          delta: Type.Integer({ minimum: -MAX_STOCK, maximum: MAX_STOCK, not: { const: 0 } }),
          reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: { 200: Type.Object({ variantId: Type.Integer(), stock: Type.Integer() }) },
      },
    },
    async (request) => {
      const { delta, reason } = request.body;
      return { variantId: request.params.id, stock: await platform.updateVariantStock(request.params.id, delta, reason ?? 'adjustment') };
    },
  );
};
