import { Type } from '@fastify/type-provider-typebox';
import { CountryCode } from '../addresses/schemas.js';
import { Nullable } from '../http/schemas.js';

export const TaxRateSchema = Type.Object(
  {
    id: Type.Integer(),
    country: Type.String(),
    ratePercent: Type.Number({ description: '19, 7.5: at most three decimals' }),
    rateMilli: Type.Integer({ description: 'Thousandths of a percent: 19 → 19000' }),
    category: Nullable(Type.String({ description: "The catalog category this rate applies to; null: the country's standard rate" })),
    name: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

export const TaxRateInput = {
  country: CountryCode,
  ratePercent: Type.Number({ minimum: 0, maximum: 100, description: 'A percent with at most three decimals' }),
  category: Nullable(Type.String({ maxLength: 100, description: "A product category; null or absent: the standard rate" })),
  name: Nullable(Type.String({ maxLength: 100, description: 'A label such as "VAT"' })),
};
