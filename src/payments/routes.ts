import { Type } from '@fastify/type-provider-typebox';
import { UnauthorizedError } from '../auth/service.js';
import { NotFoundError } from '../errors.js';
import { Id, IdParams } from '../http/schemas.js';
import { MAX_CENTS } from '../money.js';
import type { Routes } from '../http/types.js';
import { PaidOrderSchema, PaymentSchema, RefundSchema } from './schemas.js';

/** Paying an order (its buyer), capturing and refunding (admins). Webhooks are in webhook-routes.ts. */
const ORDER_TOKEN = 'x-order-token';

export const paymentRoutes: Routes = (app, { platform }) => {
  const order = async (id: number) => {
    const o = await platform.getOrder(id);
    if (!o) throw new NotFoundError('Order', id);
    return o;
  };

  app.post(
    '/api/orders/:id/payments',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['payments'],
        summary: 'Pay my order (or a guest order with its access token) in full',
        description:
          'Charges the order total with a provider (`test` by default). The test provider takes card 4242424242424242, declines ' +
          '4000000000000002 (402 `payment_declined`, the order stays payable) and settles 4000002500003155 later by webhook. ' +
          'An order already paid, authorised or with a payment under way is a 409 and nothing is charged.',
        params: IdParams,
        querystring: Type.Object({ token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        headers: Type.Object({ [ORDER_TOKEN]: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: true }),
        body: Type.Object({ provider: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })), card: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
        response: { 201: Type.Object({ payment: PaymentSchema, order: PaidOrderSchema }) },
      },
    },
    async (request, reply) => {
      // The buyer: the signed-in customer, or a guest holding the order's access token (a wrong token is a 404 like a missing order).
      const header = request.headers[ORDER_TOKEN];
      const token = typeof header === 'string' ? header : request.query.token;
      let o;
      if (token !== undefined) o = await platform.getGuestOrder(request.params.id, token);
      else if (request.auth) o = await platform.orders.getForCustomer(request.auth.customerId, request.params.id);
      else throw new UnauthorizedError();
      if (!o) throw new NotFoundError('Order', request.params.id);
      const payment = await platform.payOrder(o.id, request.body ?? {});
      if (token !== undefined) reply.header('cache-control', 'private, no-store');
      return reply.code(201).send({ payment, order: await order(o.id) });
    },
  );

  const admin = { auth: 'admin' as const };

  app.post(
    '/api/admin/orders/:id/capture',
    {
      config: admin,
      schema: {
        tags: ['payments', 'admin'],
        summary: 'Capture the authorised payment (PAYMENT_CAPTURE=manual), at most once',
        params: IdParams,
        body: Type.Object({ amount: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CENTS, description: 'Cents; default: all that is authorised' })) }),
        response: { 200: Type.Object({ payment: PaymentSchema, order: PaidOrderSchema }) },
      },
    },
    async (request) => {
      const payment = await platform.captureOrder(request.params.id, request.body?.amount);
      return { payment, order: await order(request.params.id) };
    },
  );

  app.post(
    '/api/admin/orders/:id/refunds',
    {
      config: admin,
      schema: {
        tags: ['payments', 'admin'],
        summary: 'Refund part or all of the payment, optionally restocking goods',
        description:
          'More than is left to refund is a 409 and nothing is refunded. Restocked quantities return through the inventory ledger, never more than ' +
          'ordered and not yet restocked. With an `Idempotency-Key` a retry returns the first refund and restocks nothing twice.',
        params: IdParams,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: true }),
        body: Type.Object({
          amount: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CENTS, description: 'Cents; default: all that is left' })),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
          restock: Type.Optional(Type.Array(Type.Object({ variantId: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }), { maxItems: 1000 })),
        }),
        response: { 201: Type.Object({ refund: RefundSchema, order: PaidOrderSchema }) },
      },
    },
    async (request, reply) => {
      const refund = await platform.refundOrder(request.params.id, request.body ?? {}, request.headers['idempotency-key'] ?? null);
      return reply.code(201).send({ refund, order: await order(request.params.id) });
    },
  );
};
