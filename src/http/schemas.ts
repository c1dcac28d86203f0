import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import { ERROR_STATUS } from '../errors.js';
import { MAX_CENTS } from '../money.js';
import { ORDER_STATUSES } from '../orders/status.js';
import { MAX_QUANTITY } from '../validate.js';

/**
 * Shared TypeBox schemas: request parts are validated by them and the OpenAPI document is
 * generated from them. Entity schemas leave `additionalProperties` open so a field added by a
 * later feature is still sent before its schema is updated.
 */

/** `T | null` as a JSON Schema type list (OpenAPI 3.1), cheaper to serialise than anyOf. */
export function Nullable<T extends TSchema>(schema: T) {
  const s = schema as unknown as { type?: string; enum?: unknown[] };
  if (typeof s.type !== 'string') return Type.Unsafe<Static<T> | null>({ anyOf: [schema, { type: 'null' }] });
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [s.type, 'null'], ...(s.enum ? { enum: [...s.enum, null] } : {}) });
}

/** One of a fixed list of strings, as a plain JSON Schema enum. */
export function StringEnum<T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A positive integer id' });
export const IdParams = Type.Object({ id: Id });
export const ProductIdParams = Type.Object({ productId: Id });

export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
export const Cursor = Type.String({ minLength: 1, maxLength: 40, description: 'The nextCursor of the previous page' });
export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
}

export const Money = Type.Number({ minimum: 0, maximum: MAX_CENTS / 100, description: 'Currency units, at most two decimals' });
export const Cents = Type.Integer({ minimum: 0, maximum: MAX_CENTS, description: 'Integer minor units (cents)' });
export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY });
export const Timestamp = Type.String({ format: 'date-time' });
export const OrderStatusSchema = StringEnum(ORDER_STATUSES);

const open = { additionalProperties: true } as const;

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: StringEnum(Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[]),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
);

export const ProductSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    price: Type.Number(),
    priceCents: Type.Integer(),
    stock: Type.Integer(),
    category: Nullable(Type.String()),
    imageUrl: Nullable(Type.String()),
    averageRating: Type.Optional(Nullable(Type.Number({ description: 'Mean rating of the visible reviews; null without reviews' }))),
    reviewCount: Type.Optional(Type.Integer()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    lowestPrice30d: Type.Optional(
      Nullable(Type.Number({ description: 'Product detail only: the lowest price of the 30 days before the current reduction; null when not on sale' })),
    ),
    lowestPrice30dCents: Type.Optional(Nullable(Type.Integer())),
  },
  open,
);

export const CustomerSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    address: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  open,
);

export const CartItemSchema = Type.Object(
  {
    productId: Type.Integer(),
    productName: Type.String(),
    price: Type.Number(),
    priceCents: Type.Integer(),
    quantity: Type.Integer(),
    subtotal: Type.Number(),
    subtotalCents: Type.Integer(),
    availableStock: Type.Integer(),
  },
  open,
);

export const CartSchema = Type.Object(
  {
    items: Type.Array(CartItemSchema),
    itemCount: Type.Integer(),
    subtotal: Type.Number(),
    subtotalCents: Type.Integer(),
    discount: Type.Number(),
    discountCents: Type.Integer(),
    discountCode: Nullable(Type.String()),
    discountProblem: Nullable(Type.String({ description: 'Why the applied code gives no discount now, e.g. a subtotal below its minimum' })),
    total: Type.Number({ description: 'subtotal - discount' }),
    totalCents: Type.Integer(),
  },
  open,
);

export const OrderSchema = Type.Object(
  {
    id: Type.Integer(),
    customerId: Type.Integer(),
    customerName: Type.String(),
    customerEmail: Type.String(),
    status: OrderStatusSchema,
    subtotal: Type.Number(),
    subtotalCents: Type.Integer(),
    discount: Type.Number(),
    discountCents: Type.Integer(),
    discountCode: Nullable(Type.String()),
    totalAmount: Type.Number({ description: 'subtotal - discount' }),
    totalCents: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    items: Type.Array(
      Type.Object(
        {
          productId: Type.Integer(),
          productName: Type.String(),
          quantity: Type.Integer(),
          price: Type.Number(),
          priceCents: Type.Integer(),
          subtotal: Type.Number(),
          subtotalCents: Type.Integer(),
        },
        open,
      ),
    ),
    statusHistory: Type.Array(Type.Object({ status: OrderStatusSchema, at: Timestamp }, open)),
  },
  open,
);
