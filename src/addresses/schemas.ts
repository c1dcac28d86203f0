import { Type } from '@fastify/type-provider-typebox';
import { AddressFields, Nullable, Timestamp } from '../http/schemas.js';
import { ADDRESS_LIMITS } from './address.js';

const text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const optionalText = (max: number) => Type.Optional(Nullable(Type.String({ maxLength: max })));

export const CountryCode = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 code (assigned codes only; stored upper-case)' });

/** An address as a request carries it (the address book, and checkout's shippingAddress/billingAddress). */
export const AddressInputFields = {
  name: text(ADDRESS_LIMITS.name, 'Recipient'),
  line1: text(ADDRESS_LIMITS.line1),
  line2: optionalText(ADDRESS_LIMITS.line2),
  city: text(ADDRESS_LIMITS.city),
  region: optionalText(ADDRESS_LIMITS.region),
  postalCode: text(ADDRESS_LIMITS.postalCode),
  country: CountryCode,
  phone: optionalText(ADDRESS_LIMITS.phone),
};
export const AddressInputSchema = Type.Object(AddressInputFields);


/** An address as responses show it (an order's copy has this shape). */
export const AddressSchema = Type.Object(AddressFields, { additionalProperties: true });

export const SavedAddressSchema = Type.Object(
  { id: Type.Integer(), ...AddressFields, isDefault: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp },
  { additionalProperties: true },
);
