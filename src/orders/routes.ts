import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { caller } from '../auth/hook.js';
import { UnauthorizedError } from '../auth/service.js';
import { AddressInputSchema } from '../addresses/schemas.js';
import { cartOwnerRequired, requireCartOwner } from '../cart/http.js';
import { NotFoundError } from '../errors.js';
import { decodeCursor, page } from '../http/pagination.js';
import { Cents, Cursor, Id, IdParams, Limit, OrderSchema, OrderStatusSchema, Page, PageQuery } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { idempotentCheckout } from './idempotent-checkout.js';
import { staffMoveOptions } from './staff-rules.js';

const OrderBody = Type.Object({ order: OrderSchema });
const CheckoutBody = Type.Object({
  expectedTotalCents: Type.Optional(Cents),
  email: Type.Optional(Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'Required for a guest checkout' })),
  shippingAddress: Type.Optional(AddressInputSchema),
  shippingAddressId: Type.Optional(Id),
  billingAddress: Type.Optional(AddressInputSchema),
  shippingMethodId: Type.Optional(Id),
});
const CreatedOrder = Type.Object({
  order: OrderSchema,
  accessToken: Type.Optional(Type.String({ description: 'Guest checkout only: shows this order via X-Order-Token or ?token=; only its hash is stored' })),
});
const ORDER_TOKEN = 'x-order-token';

/** Checkout and the customer's own orders; the admin's order desk under /api/admin/orders. */
export const orderRoutes: Routes = (app, { platform }) => {
  /** The caller's order, or 404 — also when it exists but belongs to someone else. */
  const ownOrder = async (customerId: number, orderId: number) => {
    const order = await platform.orders.getForCustomer(customerId, orderId);
    if (!order) throw new NotFoundError('Order', orderId);
    return (await platform.payments.withPayments([order]))[0]!;
  };

  app.post(
    '/api/orders',
    {
      config: { auth: 'optional' },
      ...cartOwnerRequired,
      schema: {
        tags: ['orders'],
        summary: "Check out the cart (a signed-in customer's, or a guest's with its cart token)",
        description:
          'Takes the stock of every cart line and creates a pending order with shipping and tax, all or nothing. A guest (X-Cart-Token ' +
          'or the sk_cart cookie with X-CSRF-Token) must give `email` and `shippingAddress` and receives `accessToken`. ' +
          '`shippingMethodId` is required when the shop has shipping methods. With an `Idempotency-Key` header a retry ' +
          'with the same body returns the first response (header `Idempotent-Replayed: true`); the same key with another body is a 422.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: true }),
        body: CheckoutBody,
        response: { 201: CreatedOrder },
      },
    },
    async (request, reply) => {
      const owner = requireCartOwner(request);
      const key = request.headers['idempotency-key'] ?? null;
      const result = await idempotentCheckout(platform, owner, key, request.body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      // The stored text is the response: a JSON string is sent as is, not re-serialised.
      const raw = reply as unknown as FastifyReply;
      return raw.code(result.statusCode).type('application/json; charset=utf-8').send(result.body);
    },
  );

  app.get(
    '/api/orders',
    { schema: { tags: ['orders'], summary: 'My orders, newest first', querystring: PageQuery, response: { 200: Page(OrderSchema) } } },
    async (request) => {
      const limit = request.query.limit ?? 20;
      const rows = await platform.orders.forCustomer(caller(request).customerId, { limit: limit + 1, beforeId: decodeCursor(request.query.cursor) });
      return page(await platform.payments.withPayments(rows), limit);
    },
  );

  app.get(
    '/api/orders/:id',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['orders'],
        summary: 'One of my orders, or a guest order with its access token (X-Order-Token header or ?token=)',
        description: 'A wrong token is the same 404 as an order that does not exist.',
        params: IdParams,
        querystring: Type.Object({ token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        headers: Type.Object({ [ORDER_TOKEN]: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: true }),
        response: { 200: OrderBody },
      },
    },
    async (request, reply) => {
      const header = request.headers[ORDER_TOKEN];
      const token = typeof header === 'string' ? header : request.query.token;
      if (token !== undefined) {
        const order = await platform.getGuestOrder(request.params.id, token);
        if (!order) throw new NotFoundError('Order', request.params.id);
        reply.header('cache-control', 'private, no-store');
        return { order };
      }
      if (!request.auth) throw new UnauthorizedError();
      return { order: await ownOrder(request.auth.customerId, request.params.id) };
    },
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: 'Cancel my order while it is pending; its stock goes back',
        params: IdParams,
        response: { 200: OrderBody },
      },
    },
    async (request) => {
      const order = await ownOrder(caller(request).customerId, request.params.id);
      await platform.orders.updateStatus(order.id, 'cancelled', { onlyFrom: ['pending'] });
      return { order: (await platform.getOrder(order.id))! };
    },
  );

  // The order desk is staff work: staff and admins list, read and move orders.
  const admin = { auth: 'staff' as const };

  app.get(
    '/api/admin/orders',
    {
      config: admin,
      schema: {
        tags: ['orders', 'admin'],
        summary: 'All orders, newest first, optionally in one status',
        querystring: Type.Object({ status: Type.Optional(OrderStatusSchema), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }),
        response: { 200: Page(OrderSchema) },
      },
    },
    async (request) => {
      const { status, cursor } = request.query;
      const limit = request.query.limit ?? 20;
      return page(await platform.payments.withPayments(await platform.orders.list({ status, limit: limit + 1, beforeId: decodeCursor(cursor) })), limit);
    },
  );

  app.get(
    '/api/admin/orders/:id',
    { config: admin, schema: { tags: ['orders', 'admin'], summary: 'Any order', params: IdParams, response: { 200: OrderBody } } },
    async (request) => {
      const order = await platform.getOrder(request.params.id);
      if (!order) throw new NotFoundError('Order', request.params.id);
      return { order };
    },
  );

  app.post(
    '/api/admin/orders/:id/status',
    {
      config: admin,
      schema: {
        tags: ['orders', 'admin'],
        summary: 'Move an order: pending → processing → shipped → delivered; pending or processing → cancelled',
        description: 'Staff and admins. Cancelling an order that holds captured money refunds it, so for a staff account that cancel is a 403 and nothing changes.',
        params: IdParams,
        body: Type.Object({ status: OrderStatusSchema }),
        response: { 200: OrderBody },
      },
    },
    async (request) => {
      const { id } = request.params;
      await platform.orders.updateStatus(id, request.body.status, staffMoveOptions(caller(request).role, id, request.body.status));
      return { order: (await platform.getOrder(request.params.id))! };
    },
  );
};
