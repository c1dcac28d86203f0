import { Type } from '@fastify/type-provider-typebox';
import { IdParams } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { ShippingMethodInput as F, ShippingMethodSchema } from './schemas.js';

const MethodBody = Type.Object({ shippingMethod: ShippingMethodSchema });

/** Shipping methods (admin). Shoppers see their prices through the cart (GET /api/cart/shipping-methods). */
export const shippingRoutes: Routes = (app, { platform }) => {
  app.post(
    '/api/admin/shipping-methods',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['shipping', 'admin'],
        summary: 'Create a shipping method',
        body: Type.Object({ name: F.name, price: F.price, countries: F.countries, freeAbove: Type.Optional(F.freeAbove), active: Type.Optional(F.active) }),
        response: { 201: MethodBody },
      },
    },
    async (request, reply) => reply.code(201).send({ shippingMethod: await platform.createShippingMethod(request.body) }),
  );

  app.get(
    '/api/admin/shipping-methods',
    {
      config: { auth: 'admin' },
      schema: { tags: ['shipping', 'admin'], summary: 'Every shipping method, active or not', response: { 200: Type.Object({ items: Type.Array(ShippingMethodSchema) }) } },
    },
    async () => ({ items: await platform.listShippingMethods() }),
  );

  app.patch(
    '/api/admin/shipping-methods/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['shipping', 'admin'],
        summary: 'Change a method (countries replaces the list); {"active": false} withdraws it',
        params: IdParams,
        body: Type.Partial(Type.Object(F)),
        response: { 200: MethodBody },
      },
    },
    async (request) => ({ shippingMethod: await platform.updateShippingMethod(request.params.id, request.body) }),
  );
};
