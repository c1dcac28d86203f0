import { Type } from '@fastify/type-provider-typebox';
import { csrfTokenFor } from '../auth/tokens.js';
import { CartSchema, Id, ProductIdParams, Quantity } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import type { EcommercePlatform } from '../platform.js';
import { ShippingQuoteSchema } from '../shipping/schemas.js';
import type { CartOwner } from './owner.js';
import { resolvedCartSummary, type CartSummary, type Destination } from './summary.js';
import { cartOwnerOf, cartOwnerRequired, requireCartOwner, sendCartToken } from './http.js';

const Country = Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2 destination' });
const VariantQuery = Type.Object({ variantId: Type.Optional(Id) });

/** The cart as every cart route answers: lines, counts and the summary (shipping and tax once a country is given). */
export async function cartView(platform: EcommercePlatform, owner: CartOwner, destination: Destination = {}) {
  return withItemCount(await platform.getCartSummary(owner, destination));
}

function withItemCount(summary: CartSummary) {
  return { ...summary, itemCount: summary.items.reduce((n, i) => n + i.quantity, 0) };
}

/**
 * The cart of the signed-in customer or of a guest (X-Cart-Token header or sk_cart cookie, see
 * docs/COMMERCE.md); every change answers with the whole cart.
 */
export const cartRoutes: Routes = (app, { platform }) => {
  const optional = { auth: 'optional' as const };
  const reply200 = { response: { 200: CartSchema } };

  app.get(
    '/api/cart',
    {
      config: optional,
      ...cartOwnerRequired,
      schema: {
        tags: ['cart'],
        summary: 'The cart; with ?country= also shipping (the given or the cheapest method), tax and the total checkout will charge',
        querystring: Type.Object({ country: Type.Optional(Country), shippingMethodId: Type.Optional(Id) }),
        ...reply200,
      },
    },
    async (request, reply) => {
      const owner = requireCartOwner(request);
      if (typeof owner !== 'number') reply.header('x-csrf-token', csrfTokenFor(owner.guestToken)).header('cache-control', 'private, no-store');
      return cartView(platform, owner, request.query);
    },
  );

  app.get(
    '/api/cart/shipping-methods',
    {
      config: optional,
      ...cartOwnerRequired,
      schema: {
        tags: ['cart', 'shipping'],
        summary: 'The active shipping methods for a destination with their price for this cart (0 at or above freeAbove, after discount)',
        querystring: Type.Object({ country: Country }),
        response: { 200: Type.Object({ items: Type.Array(ShippingQuoteSchema) }) },
      },
    },
    async (request) => ({ items: await platform.getCartShippingMethods(requireCartOwner(request), request.query.country) }),
  );

  app.post(
    '/api/cart/items',
    {
      config: optional,
      schema: {
        tags: ['cart'],
        summary: 'Add a quantity of a product variant (adds to an existing line; may not exceed stock)',
        description:
          'Without a session or cart token this creates a guest cart and answers with its token: `X-Cart-Token` and `X-CSRF-Token` headers ' +
          'and an HttpOnly `sk_cart` cookie. `variantId` is required for a product with several variants.',
        body: Type.Object({ productId: Id, variantId: Type.Optional(Id), quantity: Type.Optional(Quantity) }),
        ...reply200,
      },
    },
    async (request, reply) => {
      let owner = cartOwnerOf(request);
      let created: string | null = null;
      if (owner === null) {
        created = (await platform.createGuestCart()).token;
        owner = { guestToken: created };
      }
      const { productId, variantId, quantity } = request.body;
      // The answer is read in the add's own transaction: the owner is resolved once.
      const summary = await platform.cart.addThen(owner, productId, quantity ?? 1, variantId === undefined ? undefined : { variantId }, (tx, ref, lines) =>
        resolvedCartSummary(tx, ref, platform.shop, lines),
      );
      if (created !== null) sendCartToken(reply, created, app.settings.cookieSecure);
      return withItemCount(summary);
    },
  );

  app.patch(
    '/api/cart/items/:productId',
    {
      config: optional,
      ...cartOwnerRequired,
      schema: {
        tags: ['cart'],
        summary: "Set a line's quantity (?variantId= for a product with several variants)",
        params: ProductIdParams,
        querystring: VariantQuery,
        body: Type.Object({ quantity: Quantity }),
        ...reply200,
      },
    },
    async (request) => {
      const owner = requireCartOwner(request);
      const { variantId } = request.query;
      await platform.setCartQuantity(owner, request.params.productId, request.body.quantity, variantId === undefined ? undefined : { variantId });
      return cartView(platform, owner);
    },
  );

  app.delete(
    '/api/cart/items/:productId',
    {
      config: optional,
      ...cartOwnerRequired,
      schema: { tags: ['cart'], summary: 'Remove a line (?variantId= for a product with several variants)', params: ProductIdParams, querystring: VariantQuery, ...reply200 },
    },
    async (request) => {
      const owner = requireCartOwner(request);
      const { variantId } = request.query;
      await platform.removeFromCart(owner, request.params.productId, undefined, variantId === undefined ? undefined : { variantId });
      return cartView(platform, owner);
    },
  );

  app.delete('/api/cart', { config: optional, ...cartOwnerRequired, schema: { tags: ['cart'], summary: 'Empty the cart', ...reply200 } }, async (request) => {
    const owner = requireCartOwner(request);
    await platform.clearCart(owner);
    return cartView(platform, owner);
  });
};

