import { Type } from '@fastify/type-provider-typebox';
import { IdParams } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { TaxRateInput as F, TaxRateSchema } from './schemas.js';

const RateBody = Type.Object({ taxRate: TaxRateSchema });

/** Tax rates per destination (admin); one standard rate per country, one per (country, category). */
export const taxRoutes: Routes = (app, { platform }) => {
  app.post(
    '/api/admin/tax-rates',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['tax', 'admin'],
        summary: 'Create a tax rate (409 if the country already has one for that category)',
        body: Type.Object({ country: F.country, ratePercent: F.ratePercent, category: Type.Optional(F.category), name: Type.Optional(F.name) }),
        response: { 201: RateBody },
      },
    },
    async (request, reply) => reply.code(201).send({ taxRate: await platform.createTaxRate(request.body) }),
  );

  app.get(
    '/api/admin/tax-rates',
    {
      config: { auth: 'admin' },
      schema: { tags: ['tax', 'admin'], summary: 'Every tax rate, by country', response: { 200: Type.Object({ items: Type.Array(TaxRateSchema) }) } },
    },
    async () => ({ items: await platform.listTaxRates() }),
  );

  app.patch(
    '/api/admin/tax-rates/:id',
    {
      config: { auth: 'admin' },
      schema: { tags: ['tax', 'admin'], summary: 'Change a tax rate', params: IdParams, body: Type.Partial(Type.Object(F)), response: { 200: RateBody } },
    },
    async (request) => ({ taxRate: await platform.updateTaxRate(request.params.id, request.body) }),
  );

  app.delete(
    '/api/admin/tax-rates/:id',
    {
      config: { auth: 'admin' },
      schema: { tags: ['tax', 'admin'], summary: 'Delete a tax rate', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await platform.removeTaxRate(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
