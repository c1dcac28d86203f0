import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../auth/service.js';
import { isStorekeeperError, type StorekeeperError } from '../errors.js';
import { field, formOf, intField } from '../web/form.js';
import { redirectAfterPost, sendPage } from '../web/page.js';
import type { WebSession } from '../web/session.js';
import { orderPage, ordersPage, profilePage, registerPage, safeNext, signInPage } from './account-pages.js';
import { cartOwnerOf, pageContext, setCartCookie, type Storefront } from './context.js';
import { productPath } from './format.js';
import { page, sendError } from './handler.js';
import { productPage } from './product-page.js';
import { t } from './strings.js';

const PUBLIC = { config: { auth: 'public' as const }, schema: { hide: true } };

/** Messages a shopper can act on: validation issues by field, else the error's own message. */
export function messagesOf(e: StorekeeperError): string[] {
  const details = e.details;
  if (Array.isArray(details) && details.length > 0) {
    return details.map((d: { path?: string; message?: string }) => (d.path ? `${d.path}: ${d.message ?? ''}` : String(d.message)));
  }
  return [e.message];
}

/** Sign in, register, sign out, profile, order history and cancelling a pending order. */
export function accountRoutes(scope: FastifyInstance, shop: Storefront): void {
  const { platform, sessions, auth } = shop;
  const limiter = scope.settings.authLimiter;

  const requireSession = (session: WebSession | null, reply: FastifyReply, next: string): FastifyReply | null =>
    session ? null : reply.code(303).header('location', `/signin?next=${encodeURIComponent(next)}`).send();

  /** A guest cart filled before signing in joins the account's cart. */
  async function adoptGuestCart(request: FastifyRequest, reply: FastifyReply, customerId: number): Promise<void> {
    const owner = cartOwnerOf(request, null);
    if (owner === null || typeof owner === 'number') return;
    try {
      await platform.mergeGuestCart(owner.guestToken, customerId);
    } catch (e) {
      if (!isStorekeeperError(e) || e.code !== 'not_found') throw e;
    }
    setCartCookie(request, reply, '');
  }

  async function writer(request: FastifyRequest): Promise<WebSession | null> {
    const session = await sessions.read(request);
    sessions.verify(request, session);
    return session;
  }

  scope.get(
    '/signin',
    PUBLIC,
    page(shop, async (ctx, request) => {
      const query = request.query as Record<string, unknown>;
      return signInPage(ctx, safeNext(query.next), '', [], query.reset === '1' ? t.passwordChanged : null);
    }),
  );
  scope.get('/register', PUBLIC, page(shop, async (ctx, request) => registerPage(ctx, safeNext((request.query as Record<string, unknown>).next))));

  scope.post('/signin', PUBLIC, async (request, reply) => {
    await writer(request);
    const form = formOf(request.body);
    const next = safeNext(field(form, 'next'));
    const email = field(form, 'email').trim();
    try {
      const wait = limiter.hit(request.ip);
      if (wait > 0) throw new RateLimitedError('Too many attempts from this address; try again later', wait);
      const signedIn = await auth.login(email, field(form, 'password'));
      sessions.signIn(request, reply, signedIn);
      await adoptGuestCart(request, reply, signedIn.customer.id);
    } catch (e) {
      if (!isStorekeeperError(e)) throw e;
      const ctx = await pageContext(shop, request, reply, null);
      return sendPage(request, reply, signInPage(ctx, next, email, [e.message]), { status: e.statusCode });
    }
    return redirectAfterPost(reply, next);
  });

  scope.post('/register', PUBLIC, async (request, reply) => {
    await writer(request);
    const form = formOf(request.body);
    const next = safeNext(field(form, 'next'));
    const values = { email: field(form, 'email').trim(), name: field(form, 'name').trim() };
    try {
      const wait = limiter.hit(request.ip);
      if (wait > 0) throw new RateLimitedError('Too many attempts from this address; try again later', wait);
      const signedIn = await auth.register({ ...values, password: field(form, 'password') });
      sessions.signIn(request, reply, signedIn);
      await adoptGuestCart(request, reply, signedIn.customer.id);
    } catch (e) {
      if (!isStorekeeperError(e)) throw e;
      const ctx = await pageContext(shop, request, reply, null);
      return sendPage(request, reply, registerPage(ctx, next, values, messagesOf(e)), { status: e.statusCode });
    }
    return redirectAfterPost(reply, next);
  });

  scope.post('/signout', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    await sessions.signOut(request, reply, session);
    return redirectAfterPost(reply, '/');
  });

  scope.get(
    '/account',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      const redirect = requireSession(ctx.session, reply, '/account');
      if (redirect) return redirect;
      const customer = await platform.getCustomer(ctx.session!.customerId);
      return profilePage(ctx, customer!, { saved: (request.query as Record<string, unknown>).saved === '1' });
    }),
  );

  scope.post('/account/profile', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    if (!session) return redirectAfterPost(reply, '/signin?next=%2Faccount');
    const form = formOf(request.body);
    try {
      await platform.updateCustomer(session.customerId, {
        name: field(form, 'name').trim(),
        address: field(form, 'address').trim() || null,
        phone: field(form, 'phone').trim() || null,
      });
    } catch (e) {
      if (!isStorekeeperError(e) || e.code !== 'validation_failed') throw e;
      const ctx = await pageContext(shop, request, reply, session);
      const customer = await platform.getCustomer(session.customerId);
      return sendPage(request, reply, profilePage(ctx, customer!, { errors: messagesOf(e) }), { status: 400 });
    }
    return redirectAfterPost(reply, '/account?saved=1');
  });

  scope.get(
    '/account/orders',
    PUBLIC,
    page(shop, async (ctx, _request, reply) => {
      const redirect = requireSession(ctx.session, reply, '/account/orders');
      if (redirect) return redirect;
      return ordersPage(ctx, await platform.payments.withPayments(await platform.orders.forCustomer(ctx.session!.customerId, { limit: 100 })));
    }),
  );

  const ownOrder = async (session: WebSession | null, id: string) => {
    const order = session && /^\d{1,15}$/.test(id) ? await platform.getOrder(Number(id)) : null;
    return order && order.customerId === session!.customerId ? order : null;
  };

  scope.get(
    '/account/orders/:id',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      const { id } = request.params as { id: string };
      const redirect = requireSession(ctx.session, reply, `/account/orders/${encodeURIComponent(id)}`);
      if (redirect) return redirect;
      const order = await ownOrder(ctx.session, id);
      if (!order) return sendError(shop, request, reply, 404);
      return orderPage(ctx, order, (request.query as Record<string, unknown>).cancelled === '1');
    }),
  );

  scope.post('/account/orders/:id/cancel', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    const { id } = request.params as { id: string };
    const order = await ownOrder(session, id);
    if (!order) return sendError(shop, request, reply, 404);
    await platform.orders.updateStatus(order.id, 'cancelled', { onlyFrom: ['pending'] });
    return redirectAfterPost(reply, `/account/orders/${order.id}?cancelled=1`);
  });

  scope.post('/product/:id/review', PUBLIC, async (request, reply) => {
    const session = await writer(request);
    const { id } = request.params as { id: string };
    const product = /^\d{1,15}$/.test(id) ? await platform.getProductDetail(Number(id)) : null;
    if (!product) return sendError(shop, request, reply, 404);
    if (!session) return redirectAfterPost(reply, `/signin?next=${encodeURIComponent(productPath(product))}`);
    const form = formOf(request.body);
    try {
      await platform.addReview(session.customerId, product.id, {
        rating: intField(form, 'rating', { min: 1, max: 5 }),
        title: field(form, 'title').trim() || null,
        text: field(form, 'text').trim() || null,
      });
    } catch (e) {
      if (!isStorekeeperError(e) || !['validation_failed', 'conflict'].includes(e.code)) throw e;
      const ctx = await pageContext(shop, request, reply, session);
      return sendPage(request, reply, await productPage(ctx, product, { errors: messagesOf(e) }), { status: e.statusCode });
    }
    return redirectAfterPost(reply, `${productPath(product)}?reviewed=1`);
  });
}
