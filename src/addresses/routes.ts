import { Type } from '@fastify/type-provider-typebox';
import { caller } from '../auth/hook.js';
import { IdParams } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { AddressInputFields, SavedAddressSchema } from './schemas.js';

const IsDefault = Type.Boolean({ description: 'Make this the default address (the previous default stops being one)' });
const AddressBody = Type.Object({ address: SavedAddressSchema });

/** The signed-in customer's address book; another customer's address is a 404. */
export const addressRoutes: Routes = (app, { platform }) => {
  app.get(
    '/api/me/addresses',
    {
      config: { auth: 'customer' },
      schema: { tags: ['accounts', 'addresses'], summary: 'My addresses, the default first', response: { 200: Type.Object({ items: Type.Array(SavedAddressSchema) }) } },
    },
    async (request) => ({ items: await platform.listAddresses(caller(request).customerId) }),
  );

  app.post(
    '/api/me/addresses',
    {
      config: { auth: 'customer' },
      schema: {
        tags: ['accounts', 'addresses'],
        summary: 'Add an address (at most 50; 409 beyond)',
        body: Type.Object({ ...AddressInputFields, isDefault: Type.Optional(IsDefault) }),
        response: { 201: AddressBody },
      },
    },
    async (request, reply) => reply.code(201).send({ address: await platform.addAddress(caller(request).customerId, request.body) }),
  );

  app.patch(
    '/api/me/addresses/:id',
    {
      config: { auth: 'customer' },
      schema: {
        tags: ['accounts', 'addresses'],
        summary: 'Change an address (null clears an optional field); isDefault moves the default',
        params: IdParams,
        body: Type.Partial(Type.Object({ ...AddressInputFields, isDefault: IsDefault })),
        response: { 200: AddressBody },
      },
    },
    async (request) => ({ address: await platform.updateAddress(caller(request).customerId, request.params.id, request.body) }),
  );

  app.delete(
    '/api/me/addresses/:id',
    {
      config: { auth: 'customer' },
      schema: { tags: ['accounts', 'addresses'], summary: 'Delete an address (orders keep their own copies)', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await platform.removeAddress(caller(request).customerId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
