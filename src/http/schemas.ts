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

export const Money = Type.Number({ minimum: 0, maximum: MAX_CENTS / 100, description: "Currency units, with at most the shop currency's decimals (GET /api/shop)" });
export const Cents = Type.Integer({ minimum: 0, maximum: MAX_CENTS, description: "Integer minor units of the shop's currency (cents; yen for JPY)" });
export const CurrencyCode = Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217 code of the shop currency' });

export const ProductOptionSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 50 }),
  values: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { minItems: 1, maxItems: 100 }),
});

export const VariantSchema = Type.Object(
  {
    id: Type.Integer(),
    productId: Type.Integer(),
    sku: Nullable(Type.String({ description: 'Unique; null only for the default variant of a product without options' })),
    title: Type.String({ description: 'The option values joined, "M / Blue"; "Default" without options' }),
    options: Type.Record(Type.String(), Type.String()),
    price: Type.Number({ description: "The variant's own price, else the product's" }),
    priceCents: Type.Integer(),
    stock: Type.Integer(),
    weightGrams: Nullable(Type.Integer()),
    isDefault: Type.Boolean(),
  },
  { additionalProperties: true },
);
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
    stock: Type.Integer({ description: "The sum of the variants' stock" }),
    currency: CurrencyCode,
    category: Nullable(Type.String()),
    imageUrl: Nullable(Type.String()),
    options: Type.Array(ProductOptionSchema, { description: '[] for a product without options (it has one default variant)' }),
    variants: Type.Array(VariantSchema),
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
    variantId: Type.Integer(),
    sku: Nullable(Type.String()),
    variantTitle: Type.String(),
    productName: Type.String(),
    price: Type.Number(),
    priceCents: Type.Integer(),
    quantity: Type.Integer(),
    subtotal: Type.Number(),
    subtotalCents: Type.Integer(),
    availableStock: Type.Integer({ description: "The variant's stock" }),
    category: Nullable(Type.String()),
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
    currency: CurrencyCode,
    country: Nullable(Type.String({ description: 'The destination given with ?country=; null without' })),
    shippingMethodId: Nullable(Type.Integer({ description: 'The method priced: the one asked for, else the cheapest available' })),
    shipping: Nullable(Type.Number()),
    shippingCents: Nullable(Type.Integer({ description: 'null until a destination is known' })),
    tax: Type.Number(),
    taxCents: Type.Integer(),
    lines: Type.Array(
      Type.Object({ variantId: Type.Integer(), discountCents: Type.Integer(), taxCents: Type.Integer(), taxRatePercent: Type.Number() }, open),
    ),
    total: Type.Number({ description: 'subtotal - discount + shipping (+ tax when prices are net)' }),
    totalCents: Type.Integer(),
  },
  open,
);

/** The fields of an address in responses: the address book's entries and the copies orders keep. */
export const AddressFields = {
  name: Type.String(),
  line1: Type.String(),
  line2: Nullable(Type.String()),
  city: Type.String(),
  region: Nullable(Type.String()),
  postalCode: Type.String(),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
  phone: Nullable(Type.String()),
};

/** An address as the order copied it at checkout (the address book's shape, src/addresses). */
const OrderAddressSchema = Type.Object(AddressFields, open);

export const OrderSchema = Type.Object(
  {
    id: Type.Integer(),
    customerId: Type.Integer(),
    customerName: Type.String(),
    customerEmail: Type.String(),
    email: Type.String(),
    placedAsGuest: Type.Boolean(),
    status: OrderStatusSchema,
    currency: CurrencyCode,
    subtotal: Type.Number(),
    subtotalCents: Type.Integer(),
    discount: Type.Number(),
    discountCents: Type.Integer(),
    discountCode: Nullable(Type.String()),
    shipping: Type.Number(),
    shippingCents: Type.Integer(),
    shippingTaxCents: Type.Integer({ description: 'Part of taxCents' }),
    tax: Type.Number(),
    taxCents: Type.Integer({ description: 'Lines and shipping; included in the prices when pricesIncludeTax' }),
    pricesIncludeTax: Type.Boolean(),
    shippingMethod: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    shippingAddress: Nullable(OrderAddressSchema),
    billingAddress: Nullable(OrderAddressSchema),
    totalAmount: Type.Number({ description: 'subtotal - discount + shipping (+ tax when prices are net)' }),
    totalCents: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    items: Type.Array(
      Type.Object(
        {
          productId: Type.Integer(),
          variantId: Nullable(Type.Integer()),
          sku: Nullable(Type.String()),
          variantTitle: Nullable(Type.String({ description: 'As it was at the moment of the order' })),
          productName: Type.String(),
          quantity: Type.Integer(),
          price: Type.Number(),
          priceCents: Type.Integer(),
          subtotal: Type.Number(),
          subtotalCents: Type.Integer(),
          discountCents: Type.Integer({ description: "This line's share of the discount" }),
          tax: Type.Number(),
          taxCents: Type.Integer(),
          taxRatePercent: Type.Number(),
        },
        open,
      ),
    ),
    statusHistory: Type.Array(Type.Object({ status: OrderStatusSchema, at: Timestamp }, open)),
  },
  open,
);
