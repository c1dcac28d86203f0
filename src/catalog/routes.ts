import { Type } from '@fastify/type-provider-typebox';
import { caller } from '../auth/hook.js';
import { NotFoundError } from '../errors.js';
import { Cents, CurrencyCode, IdParams, Money, Nullable, ProductOptionSchema, ProductSchema, VariantSchema } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { SearchPageSchema, SearchQuerySchema } from '../search/schemas.js';
import { MAX_STOCK } from '../validate.js';

const ProductFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  price: Type.Optional(Money),
  priceCents: Type.Optional(Cents),
  category: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  imageUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
};
const Stock = Type.Integer({ minimum: 0, maximum: MAX_STOCK });
const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._\\-/]*$' });
const Weight = Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000 }));
const VariantOptions = Type.Record(Type.String(), Type.String(), { description: 'One value for each of the product options: {"Size": "M"}' });
const NewVariantSchema = Type.Object({
  sku: Sku,
  options: VariantOptions,
  price: Type.Optional(Nullable(Money)),
  priceCents: Type.Optional(Nullable(Cents)),
  stock: Type.Optional(Stock),
  weightGrams: Type.Optional(Weight),
});
const VariantFields = {
  options: Type.Optional(Type.Array(ProductOptionSchema, { minItems: 1, maxItems: 3, description: 'Together with variants' })),
  variants: Type.Optional(Type.Array(NewVariantSchema, { minItems: 1, maxItems: 100 })),
  sku: Type.Optional(Nullable(Sku)),
  weightGrams: Type.Optional(Weight),
};
const VariantBody = Type.Object({ variant: VariantSchema });

/** The catalog: public browsing; products are created and changed by admins. */
export const catalogRoutes: Routes = (app, { platform }) => {
  app.get(
    '/api/products',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Browse and search products: full-text q, filters, sort, cursor pages, category and option-value facets (cached)',
        querystring: SearchQuerySchema,
        response: { 200: SearchPageSchema },
      },
    },
    async (request) => {
      const { q, category, minPrice, maxPrice, inStock, minRating, sort, limit, cursor } = request.query;
      const options: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
        if (key.startsWith('option.') && typeof value === 'string') options[key.slice('option.'.length)] = value;
      }
      return platform.search({ q, category, minPrice, maxPrice, inStock, minRating, sort, limit, cursor, ...(Object.keys(options).length > 0 ? { options } : {}) });
    },
  );

  app.get(
    '/api/products/:id',
    { config: { auth: 'public' }, schema: { tags: ['catalog'], summary: 'One product', params: IdParams, response: { 200: Type.Object({ product: ProductSchema }) } } },
    async (request) => {
      const product = await platform.getProductDetail(request.params.id);
      if (!product) throw new NotFoundError('Product', request.params.id);
      return { product };
    },
  );

  app.get(
    '/api/categories',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Categories with their product counts',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), productCount: Type.Integer() })) }) },
      },
    },
    async () => ({ items: await platform.getCategories() }),
  );

  app.post(
    '/api/products',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['catalog', 'admin'],
        summary: 'Add a product (give price or priceCents); with options and variants, each variant has its SKU, stock and optional price',
        body: Type.Object({ ...ProductFields, stock: Type.Optional(Stock), ...VariantFields }),
        response: { 201: Type.Object({ product: ProductSchema }) },
      },
    },
    async (request, reply) => {
      const id = await platform.addProduct(request.body);
      return reply.code(201).send({ product: (await platform.getProduct(id))! });
    },
  );

  app.patch(
    '/api/products/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['catalog', 'admin'],
        summary: 'Change a product; a new stock value is recorded in the ledger as the difference',
        description: '`options` may add values (never remove ones in use); `variants` are added. `stock` only for a product with one variant.',
        params: IdParams,
        body: Type.Partial(Type.Object({ ...ProductFields, stock: Stock, options: VariantFields.options, variants: VariantFields.variants })),
        response: { 200: Type.Object({ product: ProductSchema }) },
      },
    },
    async (request) => ({ product: await platform.updateProduct(request.params.id, request.body, caller(request).customerId) }),
  );

  app.get(
    '/api/shop',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['catalog'],
        summary: "The shop's currency (amounts have its decimals) and whether prices include tax",
        response: { 200: Type.Object({ currency: CurrencyCode, decimals: Type.Integer(), pricesIncludeTax: Type.Boolean() }) },
      },
    },
    async () => ({ currency: platform.shop.currency.code, decimals: platform.shop.currency.decimals, pricesIncludeTax: platform.shop.pricesIncludeTax }),
  );

  app.get(
    '/api/variants/:id',
    { config: { auth: 'public' }, schema: { tags: ['catalog'], summary: 'One variant', params: IdParams, response: { 200: VariantBody } } },
    async (request) => {
      const variant = await platform.getVariant(request.params.id);
      if (!variant) throw new NotFoundError('Variant', request.params.id);
      return { variant };
    },
  );

  app.post(
    '/api/products/:id/variants',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['catalog', 'admin'],
        summary: 'Add a variant to a product with options (unique SKU, a value for each option; 409 for a used SKU or combination)',
        params: IdParams,
        body: NewVariantSchema,
        response: { 201: VariantBody },
      },
    },
    async (request, reply) => reply.code(201).send({ variant: await platform.addVariant(request.params.id, request.body) }),
  );

  app.patch(
    '/api/variants/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['catalog', 'admin'],
        summary: "Change a variant's SKU, options, price (null: the product's) or weight; stock changes go through POST /api/variants/:id/stock",
        params: IdParams,
        body: Type.Partial(Type.Object({ sku: Sku, options: VariantOptions, price: Nullable(Money), priceCents: Nullable(Cents), weightGrams: Weight })),
        response: { 200: VariantBody },
      },
    },
    async (request) => ({ variant: await platform.updateVariant(request.params.id, request.body) }),
  );
};
