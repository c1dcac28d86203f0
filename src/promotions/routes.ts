import { Type } from '@fastify/type-provider-typebox';
import { cartOwnerRequired, requireCartOwner } from '../cart/http.js';
import { cartView } from '../cart/routes.js';
import { CartSchema, Money, Nullable, StringEnum, Timestamp } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { DISCOUNT_TYPES } from './discount.js';

export const DiscountCodeSchema = Type.Object(
  {
    code: Type.String(),
    type: StringEnum(DISCOUNT_TYPES),
    value: Type.Number({ description: 'A percent (15, 12.5) or an amount in currency units' }),
    percentBasisPoints: Nullable(Type.Integer()),
    amountCents: Nullable(Type.Integer()),
    minSubtotal: Type.Number(),
    minSubtotalCents: Type.Integer(),
    validFrom: Nullable(Timestamp),
    validUntil: Nullable(Timestamp),
    maxRedemptions: Nullable(Type.Integer()),
    oncePerCustomer: Type.Boolean(),
    active: Type.Boolean(),
    redemptionCount: Type.Integer({ description: 'Uses by orders that were not cancelled' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: true },
);

const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^\\s*[A-Za-z0-9][A-Za-z0-9_-]*\\s*$' });
const Value = Type.Number({ exclusiveMinimum: 0, description: "type 'percentage': a percent (0-100, two decimals at most); 'fixed': currency units" });
const Fields = {
  type: StringEnum(DISCOUNT_TYPES),
  value: Value,
  minSubtotal: Money,
  validFrom: Nullable(Type.String({ format: 'date-time' })),
  validUntil: Nullable(Type.String({ format: 'date-time', description: 'Exclusive' })),
  maxRedemptions: Nullable(Type.Integer({ minimum: 0 })),
  oncePerCustomer: Type.Boolean(),
  active: Type.Boolean(),
};
const CodeBody = Type.Object({ discountCode: DiscountCodeSchema });

/** Discount codes: admins manage them; shoppers put one on their cart, redeemed at checkout. */
export const promotionRoutes: Routes = (app, { platform }) => {
  app.post(
    '/api/admin/discount-codes',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['discounts', 'admin'],
        summary: 'Create a discount code (stored upper-case)',
        body: Type.Object({
          code: Code,
          type: Fields.type,
          value: Fields.value,
          minSubtotal: Type.Optional(Fields.minSubtotal),
          validFrom: Type.Optional(Fields.validFrom),
          validUntil: Type.Optional(Fields.validUntil),
          maxRedemptions: Type.Optional(Fields.maxRedemptions),
          oncePerCustomer: Type.Optional(Fields.oncePerCustomer),
          active: Type.Optional(Fields.active),
        }),
        response: { 201: CodeBody },
      },
    },
    async (request, reply) => reply.code(201).send({ discountCode: await platform.createDiscountCode(request.body) }),
  );

  app.get(
    '/api/admin/discount-codes',
    {
      config: { auth: 'admin' },
      schema: { tags: ['discounts', 'admin'], summary: 'Every discount code with its use count', response: { 200: Type.Object({ items: Type.Array(DiscountCodeSchema) }) } },
    },
    async () => ({ items: await platform.listDiscountCodes() }),
  );

  app.patch(
    '/api/admin/discount-codes/:code',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['discounts', 'admin'],
        summary: 'Change a code, or deactivate it with {"active": false}',
        params: Type.Object({ code: Code }),
        body: Type.Partial(Type.Object(Fields)),
        response: { 200: CodeBody },
      },
    },
    async (request) => ({ discountCode: await platform.updateDiscountCode(request.params.code, request.body) }),
  );

  const CartBody = { response: { 200: CartSchema } };
  app.post(
    '/api/cart/discount',
    {
      config: { auth: 'optional' },
      ...cartOwnerRequired,
      schema: {
        tags: ['cart', 'discounts'],
        summary: 'Apply a discount code to the cart (replaces any other); 422 discount_invalid if it cannot be used',
        body: Type.Object({ code: Code }),
        ...CartBody,
      },
    },
    async (request) => {
      const owner = requireCartOwner(request);
      await platform.applyDiscount(owner, request.body.code);
      return cartView(platform, owner);
    },
  );

  app.delete(
    '/api/cart/discount',
    { config: { auth: 'optional' }, ...cartOwnerRequired, schema: { tags: ['cart', 'discounts'], summary: 'Take the discount code off the cart', ...CartBody } },
    async (request) => {
      const owner = requireCartOwner(request);
      await platform.removeDiscount(owner);
      return cartView(platform, owner);
    },
  );
};
