import { Type } from '@fastify/type-provider-typebox';
import { Limit, Money, Nullable, ProductSchema, StringEnum } from '../http/schemas.js';
import { SEARCH_SORTS } from './service.js';

/** GET /api/products query string: search text, filters, sort and keyset page. */
export const SearchQuerySchema = Type.Object({
  q: Type.Optional(
    Type.String({ description: 'Words to find in name, description and category; each matches as a prefix ("wire mou"). Punctuation and operators are ignored.' }),
  ),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  minPrice: Type.Optional(Money),
  maxPrice: Type.Optional(Money),
  inStock: Type.Optional(Type.Boolean({ description: 'Only products with stock > 0' })),
  minRating: Type.Optional(Type.Number({ minimum: 0, maximum: 5, description: 'Minimum average rating; unrated products are left out' })),
  sort: Type.Optional(
    StringEnum(SEARCH_SORTS, { description: 'Default: relevance with q, catalogue order (oldest first) without' }),
  ),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'The nextCursor of the previous page (same query and sort)' })),
}, {
  // option.Size=M&option.Colour=Blue: products with a variant that has all these values.
  patternProperties: { '^option\\.[^"]{1,50}$': Type.String({ minLength: 1, maxLength: 50 }) },
  additionalProperties: false,
  description: 'Also `option.<Name>=<value>` (up to 3): products with a variant carrying all the given option values. q equal to a SKU finds that product.',
});

export const SearchPageSchema = Type.Object({
  items: Type.Array(ProductSchema),
  nextCursor: Nullable(Type.String()),
  facets: Type.Array(Type.Object({ category: Type.String(), count: Type.Integer() }), {
    description: 'Matching products per category, computed without the category filter',
  }),
  optionFacets: Type.Array(Type.Object({ name: Type.String(), value: Type.String(), count: Type.Integer() }), {
    description: 'Matching products per option value (Size = M), each option computed without its own option filter; by option name, most products first',
  }),
});
