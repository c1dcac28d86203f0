import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InsufficientStockError, isStorekeeperError } from '../errors.js';
import { field, formOf, intField } from '../web/form.js';
import { redirectAfterPost, sendPage } from '../web/page.js';
import type { WebSession } from '../web/session.js';
import { cartPage } from './cart-pages.js';
import { confirmationPage, checkoutPage } from './checkout-pages.js';
import { pageContext, type Storefront } from './context.js';
import { productPath } from './format.js';
import { productPage } from './product-page.js';
import { page, sendError } from './handler.js';
import { t } from './strings.js';

const PUBLIC = { config: { auth: 'public' as const }, schema: { hide: true } };

/** The message naming the line whose stock ran out. */
async function stockMessage(shop: Storefront, e: InsufficientStockError): Promise<string> {
  const product = await shop.platform.getProduct(e.productId);
  return t.stockRanOut(product?.name ?? `#${e.productId}`, e.available);
}

/** Cart edits and checkout: each POST checks the form's CSRF token first, then redirects to a GET. */
export function cartRoutes(scope: FastifyInstance, shop: Storefront): void {
  const { platform, sessions } = shop;

  /** A state-changing request: its session (if any) after the CSRF check. */
  async function writer(request: FastifyRequest): Promise<WebSession | null> {
    const session = await sessions.read(request);
    sessions.verify(request, session);
    return session;
  }

  const cartView = async (request: FastifyRequest, reply: FastifyReply, session: WebSession, errors: string[], status: number) => {
    const ctx = await pageContext(shop, request, reply, session);
    return sendPage(request, reply, cartPage(ctx, await platform.getCartSummary(session.customerId), { errors }), { status });
  };

  scope.get(
    '/cart',
    PUBLIC,
    page(shop, async (ctx) => cartPage(ctx, ctx.session ? await platform.getCartSummary(ctx.session.customerId) : null)),
  );

  scope.post('/cart/add', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    const form = formOf(request.body);
    const productId = intField(form, 'productId');
    const quantity = intField(form, 'quantity', { max: 999 });
    const product = await platform.getProductDetail(productId);
    if (!product) return redirectAfterPost(reply, '/search');
    if (!session) return redirectAfterPost(reply, `/signin?next=${encodeURIComponent(productPath(product))}`);
    try {
      await platform.addToCart(session.customerId, productId, quantity);
    } catch (e) {
      if (!(e instanceof InsufficientStockError)) throw e;
      const ctx = await pageContext(shop, request, reply, session);
      return sendPage(request, reply, await productPage(ctx, product, { errors: [await stockMessage(shop, e)] }), { status: 409 });
    }
    return redirectAfterPost(reply, `${productPath(product)}?added=1`);
  });

  scope.post('/cart/update', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (!session) return redirectAfterPost(reply, '/cart');
    const form = formOf(request.body);
    const productId = intField(form, 'productId');
    const quantity = intField(form, 'quantity', { min: 0, max: 999 });
    try {
      if (quantity === 0) await platform.removeFromCart(session.customerId, productId);
      else await platform.cart.setQuantity(session.customerId, productId, quantity);
    } catch (e) {
      if (e instanceof InsufficientStockError) return cartView(request, reply, session, [await stockMessage(shop, e)], 409);
      if (isStorekeeperError(e) && e.code === 'not_found') return redirectAfterPost(reply, '/cart');
      throw e;
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/remove', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (session) {
      try {
        await platform.removeFromCart(session.customerId, intField(formOf(request.body), 'productId'));
      } catch (e) {
        if (!(isStorekeeperError(e) && e.code === 'not_found')) throw e;
      }
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/discount', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (!session) return redirectAfterPost(reply, '/cart');
    try {
      await platform.applyDiscount(session.customerId, field(formOf(request.body), 'code').trim());
    } catch (e) {
      if (isStorekeeperError(e) && (e.code === 'discount_invalid' || e.code === 'validation_failed')) return cartView(request, reply, session, [e.message], 422);
      throw e;
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/discount/remove', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (session) await platform.removeDiscount(session.customerId);
    return redirectAfterPost(reply, '/cart');
  });

  scope.get(
    '/checkout',
    PUBLIC,
    page(shop, async (ctx, _request, reply) => {
      if (!ctx.session) return reply.code(303).header('location', '/signin?next=%2Fcheckout').send();
      const summary = await platform.getCartSummary(ctx.session.customerId);
      if (summary.items.length === 0) return reply.code(303).header('location', '/cart').send();
      return checkoutPage(ctx, summary);
    }),
  );

  scope.post('/checkout', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (!session) return redirectAfterPost(reply, '/signin?next=%2Fcheckout');
    const key = field(formOf(request.body), 'idempotencyKey').slice(0, 255);
    let orderId: number;
    try {
      orderId = await platform.createOrder(session.customerId, key ? { idempotencyKey: `web:${key}` } : {});
    } catch (e) {
      if (isStorekeeperError(e) && e.code === 'empty_cart') return redirectAfterPost(reply, '/cart');
      if (!(e instanceof InsufficientStockError || (isStorekeeperError(e) && e.code === 'discount_invalid'))) throw e;
      const message = e instanceof InsufficientStockError ? await stockMessage(shop, e) : e.message;
      const ctx = await pageContext(shop, request, reply, session);
      return sendPage(request, reply, checkoutPage(ctx, await platform.getCartSummary(session.customerId), [message]), { status: 409 });
    }
    return redirectAfterPost(reply, `/checkout/thanks/${orderId}`);
  });

  scope.get(
    '/checkout/thanks/:id',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      const id = (request.params as { id: string }).id;
      const order = ctx.session && /^\d{1,15}$/.test(id) ? await platform.getOrder(Number(id)) : null;
      if (!order || order.customerId !== ctx.session?.customerId) return sendError(shop, request, reply, 404);
      return confirmationPage(ctx, order);
    }),
  );
}
