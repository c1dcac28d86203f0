import { Type } from '@fastify/type-provider-typebox';
import { Cents, Money, Nullable, Timestamp } from '../http/schemas.js';
import { COUNTRIES } from '../geo/countries.js';

export const ShippingMethodSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    currency: Type.String({ description: 'ISO 4217: the shop currency' }),
    price: Type.Number(),
    priceCents: Type.Integer(),
    countries: Type.Array(Type.String(), { description: "Destination codes, or ['*'] for everywhere" }),
    freeAbove: Nullable(Type.Number({ description: 'Free at or above this subtotal after discount' })),
    freeAboveCents: Nullable(Type.Integer()),
    active: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: true },
);

/** A method's price for one destination and subtotal (for GET /api/cart/shipping-methods). */
export const ShippingQuoteSchema = Type.Object(
  { methodId: Type.Integer(), name: Type.String(), priceCents: Cents },
  { additionalProperties: true },
);

export const ShippingMethodInput = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  price: Money,
  countries: Type.Array(Type.String({ pattern: '^([A-Za-z]{2}|\\*)$' }), {
    minItems: 1,
    maxItems: COUNTRIES.length,
    description: "ISO 3166-1 alpha-2 codes, or ['*'] for everywhere",
  }),
  freeAbove: Nullable(Money),
  active: Type.Boolean(),
};
