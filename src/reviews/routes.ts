import { Type } from '@fastify/type-provider-typebox';
import { caller } from '../auth/hook.js';
import { decodeCursor, encodeCursor } from '../http/pagination.js';
import { IdParams, Nullable, PageQuery, Timestamp } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { MAX_REVIEW_TEXT, MAX_REVIEW_TITLE } from './service.js';

export const ReviewSchema = Type.Object(
  {
    id: Type.Integer(),
    productId: Type.Integer(),
    customerId: Type.Integer(),
    authorName: Type.String(),
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    title: Nullable(Type.String()),
    text: Nullable(Type.String()),
    verified: Type.Boolean({ description: 'The author had bought the product (a non-cancelled order) when writing the review' }),
    hidden: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: true },
);

const Rating = Type.Integer({ minimum: 1, maximum: 5 });
const Title = Nullable(Type.String({ maxLength: MAX_REVIEW_TITLE }));
const Text = Nullable(Type.String({ maxLength: MAX_REVIEW_TEXT }));
const ReviewBody = Type.Object({ review: ReviewSchema });

/** Reviews: public reading, one review per customer and product, author-only edits, admin moderation. */
export const reviewRoutes: Routes = (app, { platform }) => {
  app.get(
    '/api/products/:id/reviews',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['reviews'],
        summary: "A product's visible reviews, newest first, with its rating",
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({
            items: Type.Array(ReviewSchema),
            nextCursor: Nullable(Type.String()),
            averageRating: Nullable(Type.Number()),
            reviewCount: Type.Integer(),
          }),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await platform.getProductReviews(id, { limit: request.query.limit ?? 20, cursor: decodeCursor(request.query.cursor) });
      const summary = await platform.reviews.summary(id);
      return { items: result.reviews, nextCursor: result.nextCursor === null ? null : encodeCursor(result.nextCursor), ...summary };
    },
  );

  app.post(
    '/api/products/:id/reviews',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Review a product (once per customer; a second review is a 409)',
        params: IdParams,
        body: Type.Object({ rating: Rating, title: Type.Optional(Title), text: Type.Optional(Text) }),
        response: { 201: ReviewBody },
      },
    },
    async (request, reply) => {
      const review = await platform.addReview(caller(request).customerId, request.params.id, request.body);
      return reply.code(201).send({ review });
    },
  );

  app.patch(
    '/api/reviews/:id',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Edit my review',
        params: IdParams,
        body: Type.Object({ rating: Type.Optional(Rating), title: Type.Optional(Title), text: Type.Optional(Text) }),
        response: { 200: ReviewBody },
      },
    },
    async (request) => ({ review: await platform.editReview(caller(request).customerId, request.params.id, request.body) }),
  );

  app.delete(
    '/api/reviews/:id',
    { schema: { tags: ['reviews'], summary: 'Delete my review', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await platform.deleteReview(caller(request).customerId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  for (const [action, hidden] of [
    ['hide', true],
    ['unhide', false],
  ] as const) {
    app.post(
      `/api/admin/reviews/:id/${action}`,
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['reviews', 'admin'],
          summary: hidden ? 'Hide a review from the public list and the rating' : 'Show a hidden review again',
          params: IdParams,
          response: { 200: ReviewBody },
        },
      },
      async (request) => ({ review: await platform.hideReview(request.params.id, hidden) }),
    );
  }
};
