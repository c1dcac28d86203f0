import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CartOwner } from '../cart/owner.js';
import { InsufficientStockError, isStorekeeperError } from '../errors.js';
import type { CheckoutOptions } from '../orders/checkout.js';
import { field, formOf, intField, type FormBody } from '../web/form.js';
import { redirectAfterPost, sendPage } from '../web/page.js';
import type { WebSession } from '../web/session.js';
import { messagesOf } from './account-routes.js';
import { addressFromForm, addressValues } from './address-routes.js';
import { cartPage, lineName } from './cart-pages.js';
import { confirmationPage, checkoutPage, paymentPage, STRIPE_CSP, stripePaymentPage, type CheckoutView } from './checkout-pages.js';
import { cartOwnerOf, pageContext, setCartCookie, type Storefront } from './context.js';
import { productPath } from './format.js';
import { page, sendError } from './handler.js';
import { productPage } from './product-page.js';
import { t } from './strings.js';

const PUBLIC = { config: { auth: 'public' as const }, schema: { hide: true } };
/** The destination the checkout quotes before the shopper names one (ISO 3166-1). */
const DEFAULT_COUNTRY = process.env.SHOP_COUNTRY?.toUpperCase() ?? 'US';

/** Cart edits and checkout, for accounts and guests: each POST checks the form's CSRF token first, then redirects to a GET. */
export function cartRoutes(scope: FastifyInstance, shop: Storefront): void {
  const { platform, sessions } = shop;

  /** The message naming the line whose stock ran out. */
  async function stockMessage(e: InsufficientStockError): Promise<string> {
    const product = await platform.getProduct(e.productId);
    const variant = product?.variants.find((v) => v.id === e.variantId);
    return t.stockRanOut(product ? lineName({ productName: product.name, variantTitle: variant?.title ?? null }) : `#${e.productId}`, e.available);
  }

  async function writer(request: FastifyRequest): Promise<{ session: WebSession | null; owner: CartOwner | null }> {
    const session = await sessions.read(request);
    sessions.verify(request, session);
    return { session, owner: cartOwnerOf(request, session) };
  }

  const variantOf = (form: FormBody) => (field(form, 'variantId') ? { variantId: intField(form, 'variantId') } : undefined);

  const cartView = async (request: FastifyRequest, reply: FastifyReply, session: WebSession | null, owner: CartOwner, errors: string[], status: number) => {
    const ctx = await pageContext(shop, request, reply, session);
    return sendPage(request, reply, cartPage(ctx, await platform.getCartSummary(owner), { errors }), { status });
  };

  scope.get(
    '/cart',
    PUBLIC,
    page(shop, async (ctx) => cartPage(ctx, ctx.owner === null ? null : await platform.getCartSummary(ctx.owner))),
  );

  scope.post('/cart/add', PUBLIC, async (request, reply) => {
    const { session, owner: known } = await writer(request);
    const form = formOf(request.body);
    const productId = intField(form, 'productId');
    const quantity = intField(form, 'quantity', { max: 999 });
    const variant = variantOf(form);
    const product = await platform.getProductDetail(productId);
    if (!product) return sendError(shop, request, reply, 404);
    let owner = known;
    if (owner === null) {
      // A guest's first add creates their cart (the cookie is the API's cart cookie too).
      const { token } = await platform.createGuestCart();
      setCartCookie(request, reply, token);
      owner = { guestToken: token };
    }
    try {
      await platform.addToCart(owner, productId, quantity, variant);
    } catch (e) {
      if (!(e instanceof InsufficientStockError) && !(isStorekeeperError(e) && e.code === 'validation_failed')) throw e;
      const ctx = { ...(await pageContext(shop, request, reply, session)), owner };
      const message = e instanceof InsufficientStockError ? await stockMessage(e) : e.message;
      return sendPage(request, reply, await productPage(ctx, product, { errors: [message] }), { status: e.statusCode });
    }
    return redirectAfterPost(reply, `${productPath(product)}?added=1`);
  });

  scope.post('/cart/update', PUBLIC, async (request, reply) => {
    const { session, owner } = await writer(request);
    if (!owner) return redirectAfterPost(reply, '/cart');
    const form = formOf(request.body);
    const productId = intField(form, 'productId');
    const quantity = intField(form, 'quantity', { min: 0, max: 999 });
    try {
      if (quantity === 0) await platform.removeFromCart(owner, productId, undefined, variantOf(form));
      else await platform.setCartQuantity(owner, productId, quantity, variantOf(form));
    } catch (e) {
      if (e instanceof InsufficientStockError) return cartView(request, reply, session, owner, [await stockMessage(e)], 409);
      if (isStorekeeperError(e) && e.code === 'not_found') return redirectAfterPost(reply, '/cart');
      throw e;
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/remove', PUBLIC, async (request, reply) => {
    const { owner } = await writer(request);
    if (owner) {
      const form = formOf(request.body);
      try {
        await platform.removeFromCart(owner, intField(form, 'productId'), undefined, variantOf(form));
      } catch (e) {
        if (!(isStorekeeperError(e) && e.code === 'not_found')) throw e;
      }
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/discount', PUBLIC, async (request, reply) => {
    const { session, owner } = await writer(request);
    if (!owner) return redirectAfterPost(reply, '/cart');
    try {
      await platform.applyDiscount(owner, field(formOf(request.body), 'code').trim());
    } catch (e) {
      if (isStorekeeperError(e) && (e.code === 'discount_invalid' || e.code === 'validation_failed')) return cartView(request, reply, session, owner, [e.message], 422);
      throw e;
    }
    return redirectAfterPost(reply, '/cart');
  });

  scope.post('/cart/discount/remove', PUBLIC, async (request, reply) => {
    const { owner } = await writer(request);
    if (owner) await platform.removeDiscount(owner);
    return redirectAfterPost(reply, '/cart');
  });

  /** Everything the checkout page shows, quoted for the country the shopper chose or will likely choose. */
  async function checkoutView(owner: CartOwner, session: WebSession | null, values: CheckoutView['values'], errors: string[]): Promise<CheckoutView> {
    const addresses = session ? await platform.listAddresses(session.customerId) : [];
    const chosen = addresses.find((a) => String(a.id) === values.addressId) ?? (values.addressId === 'new' ? undefined : addresses.find((a) => a.isDefault));
    const country = (values.addressId === 'new' || !chosen ? values.country : chosen.country) || chosen?.country || DEFAULT_COUNTRY;
    const methodId = values.shippingMethodId ? Number(values.shippingMethodId) : undefined;
    const methods = await platform.getCartShippingMethods(owner, country);
    const validMethod = methods.some((m) => m.methodId === methodId) ? methodId : undefined;
    const summary = await platform.getCartSummary(owner, { country, ...(validMethod ? { shippingMethodId: validMethod } : {}) });
    return { summary, methods, country, addresses, values, errors };
  }

  scope.get(
    '/checkout',
    PUBLIC,
    page(shop, async (ctx, _request, reply) => {
      if (ctx.owner === null || ctx.cartCount === 0) return reply.code(303).header('location', '/cart').send();
      return checkoutPage(ctx, await checkoutView(ctx.owner, ctx.session, {}, []));
    }),
  );

  scope.post('/checkout', PUBLIC, async (request, reply) => {
    const { session, owner } = await writer(request);
    if (!owner) return redirectAfterPost(reply, '/cart');
    const form = formOf(request.body);
    const key = field(form, 'idempotencyKey').slice(0, 200);
    const addressId = field(form, 'addressId');
    const methodId = field(form, 'shippingMethodId');
    const options: CheckoutOptions = {
      ...(key ? { idempotencyKey: `web:${key}` } : {}),
      ...(session ? {} : { email: field(form, 'email').trim() }),
      ...(session && /^\d+$/.test(addressId) ? { shippingAddressId: Number(addressId) } : { shippingAddress: addressFromForm(form) as CheckoutOptions['shippingAddress'] }),
      ...(/^\d+$/.test(methodId) ? { shippingMethodId: Number(methodId) } : {}),
    };
    let result;
    try {
      result = await platform.checkout(owner, options);
    } catch (e) {
      if (isStorekeeperError(e) && e.code === 'empty_cart') return redirectAfterPost(reply, '/cart');
      if (!isStorekeeperError(e) || !['insufficient_stock', 'discount_invalid', 'validation_failed', 'not_found', 'conflict'].includes(e.code)) throw e;
      const message = e instanceof InsufficientStockError ? [await stockMessage(e)] : messagesOf(e);
      const ctx = await pageContext(shop, request, reply, session);
      const values = { ...addressValues(form), email: field(form, 'email'), addressId, shippingMethodId: methodId, idempotencyKey: key };
      return sendPage(request, reply, checkoutPage(ctx, await checkoutView(owner, session, values, message)), { status: e.statusCode });
    }
    // The order is committed; the payment runs after it, outside any transaction (docs/PAYMENTS.md).
    const query = result.accessToken ? `?token=${encodeURIComponent(result.accessToken)}` : '';
    const failure = await payFromForm(result.orderId, form);
    if (failure === 'confirm') return redirectAfterPost(reply, `/checkout/pay/${result.orderId}${query}`);
    if (failure) return redirectAfterPost(reply, `/checkout/pay/${result.orderId}${query}${query ? '&' : '?'}failed=${failure}`);
    return redirectAfterPost(reply, `/checkout/thanks/${result.orderId}${query}`);
  });

  /**
   * Pays with the test provider's card from the form, or (Stripe configured) creates the
   * PaymentIntent the browser confirms: 'confirm'. The kind of failure, or null when it went
   * through (or is pending).
   */
  async function payFromForm(orderId: number, form: FormBody): Promise<'declined' | 'unavailable' | 'confirm' | null> {
    const stripe = shop.config.stripePublishableKey !== null;
    try {
      const payment = await platform.payOrder(orderId, stripe ? { provider: 'stripe' } : { provider: 'test', card: field(form, 'card').replace(/[\s-]/g, '') || 'none' });
      return stripe && payment.status !== 'captured' && payment.status !== 'authorized' ? 'confirm' : null;
    } catch (e) {
      if (!isStorekeeperError(e)) throw e;
      // Already paid (a reload, a second tab): nothing more to do.
      if (e.code === 'conflict' && /already (paid|authorized)/.test(e.message)) return null;
      // A PaymentIntent already waits for the browser to confirm it.
      if (stripe && e.code === 'conflict' && /in progress/.test(e.message)) return 'confirm';
      if (stripe && e.code === 'validation_failed') {
        // Misconfigured (no STRIPE_SECRET_KEY): the order stays payable; the owner sees the log.
        scope.log.error({ err: e }, 'storefront: STRIPE_PUBLISHABLE_KEY is set but the stripe provider is not available');
        return 'unavailable';
      }
      return e.code === 'payment_provider_unavailable' ? 'unavailable' : 'declined';
    }
  }

  /** The order a pay page may show: the signed-in buyer's, or a guest's with its access token; null otherwise (a 404). */
  async function payableOrder(request: FastifyRequest, session: WebSession | null) {
    const id = (request.params as { id: string }).id;
    const orderId = /^\d{1,15}$/.test(id) ? Number(id) : 0;
    if (orderId === 0) return null;
    const token = (request.query as Record<string, unknown>).token;
    if (typeof token === 'string' && token !== '') return platform.getGuestOrder(orderId, token);
    const order = session ? await platform.getOrder(orderId) : null;
    return order && order.customerId === session?.customerId ? order : null;
  }

  const payAction = (orderId: number, request: FastifyRequest) => {
    const token = (request.query as Record<string, unknown>).token;
    return `/checkout/pay/${orderId}${typeof token === 'string' && token ? `?token=${encodeURIComponent(token)}` : ''}`;
  };
  const paidOrPaying = (state: string | undefined) => state !== undefined && state !== 'unpaid' && state !== 'voided';

  scope.get(
    '/checkout/pay/:id',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      const order = await payableOrder(request, ctx.session);
      if (!order) return sendError(shop, request, reply, 404);
      const action = payAction(order.id, request);
      if (paidOrPaying(order.paymentStatus)) return reply.code(303).header('location', action.replace('/checkout/pay/', '/checkout/thanks/')).send();
      const failed = (request.query as Record<string, unknown>).failed;
      const errors = failed === 'declined' ? [t.paymentFailed] : failed === 'unavailable' ? [t.paymentUnavailable] : [];
      const publishableKey = shop.config.stripePublishableKey;
      if (publishableKey === null) return paymentPage(ctx, order, action, errors);
      const pending = [...order.payments].reverse().find((p) => p.provider === 'stripe' && p.clientSecret !== undefined);
      const page = stripePaymentPage(ctx, order, {
        publishableKey,
        clientSecret: pending?.clientSecret ?? null,
        returnUrl: ctx.absolute(action.replace('/checkout/pay/', '/checkout/thanks/')),
        action,
        errors,
      });
      // Stripe's origins are allowed on this page only, and only when it loads Stripe.js.
      return sendPage(request, reply, page, pending ? STRIPE_CSP : {});
    }),
  );

  scope.post('/checkout/pay/:id', PUBLIC, async (request, reply) => {
    const session = await shop.sessions.read(request);
    shop.sessions.verify(request, session);
    const order = await payableOrder(request, session);
    if (!order) return sendError(shop, request, reply, 404);
    const action = payAction(order.id, request);
    const failure = await payFromForm(order.id, formOf(request.body));
    if (failure === 'confirm') return redirectAfterPost(reply, action);
    if (failure) return redirectAfterPost(reply, `${action}${action.includes('?') ? '&' : '?'}failed=${failure}`);
    return redirectAfterPost(reply, action.replace('/checkout/pay/', '/checkout/thanks/'));
  });

  scope.get(
    '/checkout/thanks/:id',
    PUBLIC,
    page(shop, async (ctx, request, reply) => {
      const query = request.query as Record<string, unknown>;
      const order = await payableOrder(request, ctx.session);
      if (!order) return sendError(shop, request, reply, 404);
      const guestToken = typeof query.token === 'string' && query.token !== '' ? query.token : null;
      const options = { payHref: payAction(order.id, request), failed: query.redirect_status === 'failed' };
      // Back from Stripe's redirect before its webhook: ask Stripe (outside any transaction) and
      // show what our ledger then says.
      const intent = query.payment_intent;
      if (typeof intent === 'string' && !paidOrPaying(order.paymentStatus) && order.payments.some((p) => p.providerRef === intent)) {
        try {
          if (await platform.payments.refreshPending(order.id)) {
            const fresh = guestToken ? await platform.getGuestOrder(order.id, guestToken) : await platform.getOrder(order.id);
            if (fresh) return confirmationPage(ctx, fresh, guestToken, options);
          }
        } catch (e) {
          // Stripe did not answer: the page shows the ledger as it is; the webhook settles it.
          request.log.warn({ err: e }, 'storefront: could not refresh the payment from its provider');
        }
      }
      return confirmationPage(ctx, order, guestToken, options);
    }),
  );
}
