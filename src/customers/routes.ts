import { Type } from '@fastify/type-provider-typebox';
import { ROLES } from '../auth/service.js';
import { caller } from '../auth/hook.js';
import { NotFoundError } from '../errors.js';
import { decodeCursor, page } from '../http/pagination.js';
import { CustomerSchema, IdParams, Nullable, OrderSchema, Page, PageQuery, StringEnum } from '../http/schemas.js';
import type { Routes } from '../http/types.js';

const RoleSchema = StringEnum(ROLES);
const HISTORY_LIMIT = 100;

/** The signed-in customer's profile, and the admin's view of customers. */
export const customerRoutes: Routes = (app, { platform, auth }) => {
  const Me = Type.Object({ customer: CustomerSchema, role: RoleSchema });

  app.get('/api/me', { schema: { tags: ['accounts'], summary: 'The signed-in customer', response: { 200: Me } } }, async (request) => {
    const me = caller(request);
    const customer = await platform.customers.get(me.customerId);
    if (!customer) throw new NotFoundError('Customer', me.customerId);
    return { customer, role: me.role };
  });

  app.patch(
    '/api/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Change the profile (email, name, address, phone)',
        body: Type.Object({
          email: Type.Optional(Type.String({ format: 'email', minLength: 3, maxLength: 254 })),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
          phone: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
        }),
        response: { 200: Me },
      },
    },
    async (request) => {
      const me = caller(request);
      return { customer: await platform.customers.update(me.customerId, request.body), role: me.role };
    },
  );

  app.get(
    '/api/admin/customers',
    {
      config: { auth: 'staff' },
      schema: { tags: ['admin'], summary: 'Customers by id', querystring: PageQuery, response: { 200: Page(CustomerSchema) } },
    },
    async (request) => {
      const limit = request.query.limit ?? 20;
      return page(await platform.customers.list({ limit: limit + 1, afterId: decodeCursor(request.query.cursor) }), limit);
    },
  );

  app.get(
    '/api/admin/customers/:id',
    {
      config: { auth: 'staff' },
      schema: {
        tags: ['admin'],
        summary: `A customer with their ${HISTORY_LIMIT} latest orders`,
        params: IdParams,
        response: { 200: Type.Object({ customer: CustomerSchema, role: Nullable(RoleSchema), orders: Type.Array(OrderSchema) }) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const customer = await platform.customers.get(id);
      if (!customer) throw new NotFoundError('Customer', id);
      const [role, orders] = await Promise.all([auth.roleOf(id), platform.orders.forCustomer(id, { limit: HISTORY_LIMIT })]);
      return { customer, role, orders };
    },
  );
};
