import { Type } from '@fastify/type-provider-typebox';
import { caller } from '../auth/hook.js';
import { NotFoundError } from '../errors.js';
import { Cents, IdParams, Money, Nullable, ProductSchema } from '../http/schemas.js';
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

/** The catalog: public browsing; products are created and changed by admins. */
export const catalogRoutes: Routes = (app, { platform }) => {
  app.get(
    '/api/products',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['catalog'],
        summary: 'Browse and search products: full-text q, filters, sort, cursor pages and category facets (cached)',
        querystring: SearchQuerySchema,
        response: { 200: SearchPageSchema },
      },
    },
    async (request) => {
      const { q, category, minPrice, maxPrice, inStock, minRating, sort, limit, cursor } = request.query;
      return platform.search({ q, category, minPrice, maxPrice, inStock, minRating, sort, limit, cursor });
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
        summary: 'Add a product (give price or priceCents)',
        body: Type.Object({ ...ProductFields, stock: Type.Optional(Stock) }),
        response: { 201: Type.Object({ product: ProductSchema }) },
      },
    },
    async (request, reply) => {
      const id = await platform.addProduct({ ...request.body, stock: request.body.stock ?? 0 });
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
        params: IdParams,
        body: Type.Partial(Type.Object({ ...ProductFields, stock: Stock })),
        response: { 200: Type.Object({ product: ProductSchema }) },
      },
    },
    async (request) => ({ product: await platform.updateProduct(request.params.id, request.body, caller(request).customerId) }),
  );
};
