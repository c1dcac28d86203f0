import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { StripeProvider } from '../../src/payments/providers/stripe.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { FakeStripe } from '../payments/fake-stripe.js';
import { launchBrowser } from './browser.js';
import { signInCookie } from './pages.js';

/**
 * Checkout with Stripe's Payment Element, against the local fake Stripe (STRIPE_API_URL). Stripe.js
 * itself cannot load here (there is no internet), so the tests check the page Stripe.js would
 * mount into, its CSP and data, the return page after the webhook or after asking Stripe, and the
 * page without JavaScript; the confirmation in the browser is played by the fake (`confirm`).
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const PK = 'pk_test_storekeeperFake123';

describe.each(backends)('storefront checkout with Stripe ($name)', (backend) => {
  let s: TestServer;
  let fake: FakeStripe;
  let productId: number;
  const saved = process.env.STRIPE_PUBLISHABLE_KEY;
  beforeAll(async () => {
    fake = await new FakeStripe().start();
    process.env.STRIPE_PUBLISHABLE_KEY = PK;
    try {
      s = await startTestServer(backend);
    } finally {
      if (saved === undefined) delete process.env.STRIPE_PUBLISHABLE_KEY;
      else process.env.STRIPE_PUBLISHABLE_KEY = saved;
    }
    s.platform.payments.register(new StripeProvider({ secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, apiUrl: fake.url }));
    productId = await s.platform.addProduct({ name: 'Desk Lamp', priceCents: 4500, stock: 50, category: 'Home' });
  });
  afterAll(async () => {
    await s?.close();
    await fake?.stop();
  });

  /** A signed-in shopper places an order through the checkout form; returns the pay page's URL. */
  async function placeOrder(): Promise<{ cookie: string; orderId: number; payUrl: string }> {
    const shopper = await s.shopper('Stella Stripe');
    await s.platform.addAddress(shopper.id, { name: 'Stella Stripe', line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US', isDefault: true });
    await s.platform.addToCart(shopper.id, productId, 1);
    const cookie = await signInCookie(s, shopper.email);
    const checkout = await s.app.inject({ url: '/checkout', headers: { cookie } });
    expect(checkout.statusCode).toBe(200);
    // No test card field: the card is entered in Stripe's element after "Place order".
    expect(checkout.body).not.toContain('name="card"');
    expect(checkout.body).toContain('Stripe’s secure payment form');
    expect(String(checkout.headers['content-security-policy'])).not.toContain('stripe');
    const form = (name: string) => new RegExp(`name="${name}" value="([^"]+)"(?: checked)?`).exec(checkout.body)?.[1] ?? '';
    const placed = await s.app.inject({
      method: 'POST',
      url: '/checkout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: form('_csrf'),
        idempotencyKey: form('idempotencyKey'),
        addressId: /name="addressId" value="(\d+)" checked/.exec(checkout.body)![1]!,
        shippingMethodId: /name="shippingMethodId" value="(\d+)" checked/.exec(checkout.body)?.[1] ?? '',
      }).toString(),
    });
    expect(placed.statusCode).toBe(303);
    const payUrl = String(placed.headers.location);
    expect(payUrl).toMatch(/^\/checkout\/pay\/\d+$/);
    return { cookie, orderId: Number(payUrl.split('/').pop()), payUrl };
  }

  const intentOf = (orderId: number) => [...fake.intents.values()].find((pi) => pi.metadata.orderId === String(orderId))!;

  it('the pay page loads Stripe.js and allows exactly Stripe\'s origins, carrying the key, the client secret and the return URL', async () => {
    const { cookie, orderId, payUrl } = await placeOrder();
    const pi = intentOf(orderId);
    expect(pi).toMatchObject({ amount: expect.any(Number), currency: 'usd', status: 'requires_payment_method' });
    const res = await s.app.inject({ url: payUrl, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' https://js.stripe.com https://*.js.stripe.com;");
    expect(csp).toContain('frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;');
    expect(csp).toContain("connect-src 'self' https://api.stripe.com;");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).toContain('<script src="https://js.stripe.com/v3"></script>');
    expect(res.body).toContain(`data-stripe-key="${PK}"`);
    expect(res.body).toContain(`data-client-secret="${pi.client_secret}"`);
    expect(/data-return-url="([^"]+)"/.exec(res.body)![1]).toMatch(new RegExp(`^https?://[^/]+/checkout/thanks/${orderId}$`));
    // Our own script is small (Stripe.js comes from Stripe and is not counted in the 40 kB budget).
    const own = /<script type="module" src="([^"]+stripe-pay[^"]+)"/.exec(res.body)![1]!;
    const asset = await s.app.inject({ url: own, headers: { 'accept-encoding': 'gzip' } });
    expect(asset.statusCode).toBe(200);
    expect(asset.rawPayload.length).toBeLessThan(40 * 1024);
    // Other pages keep the strict policy.
    const home = await s.app.inject({ url: '/' });
    expect(String(home.headers['content-security-policy'])).not.toContain('stripe');

    // The buyer confirms in the element (played by the fake); Stripe's webhook settles our ledger.
    fake.confirm(pi.id);
    const hook = fake.event('payment_intent.succeeded', pi);
    expect((await s.call('POST', '/api/payments/stripe/webhook', { raw: hook.raw, headers: hook.headers })).status).toBe(200);
    const back = await s.app.inject({ url: `/checkout/thanks/${orderId}?payment_intent=${pi.id}&payment_intent_client_secret=${pi.client_secret}&redirect_status=succeeded`, headers: { cookie } });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain(`Thank you! Your order #${orderId} is placed`);
    expect(back.body).toContain('<strong>Payment:</strong> Paid');
    // A paid order's pay page sends the buyer to the confirmation.
    expect((await s.app.inject({ url: payUrl, headers: { cookie } })).statusCode).toBe(303);
  });

  it('back from Stripe before the webhook: the return page asks Stripe outside any transaction and shows the ledger\'s state', async () => {
    const { cookie, orderId } = await placeOrder();
    const pi = intentOf(orderId);
    fake.confirm(pi.id);
    const back = await s.app.inject({ url: `/checkout/thanks/${orderId}?payment_intent=${pi.id}&redirect_status=succeeded`, headers: { cookie } });
    expect(back.body).toContain('<strong>Payment:</strong> Paid');
    expect(await s.platform.getOrder(orderId)).toMatchObject({ paymentStatus: 'paid' });
    // Someone else's order (another session) is the 404 page, whatever the query.
    const other = await s.app.inject({ url: `/checkout/thanks/${orderId}?payment_intent=${pi.id}` });
    expect(other.statusCode).toBe(404);
  });

  it('without JavaScript the page says card payment needs it and the order stays payable; with Stripe.js blocked it says the form could not load', { timeout: 120_000 }, async () => {
    const { cookie, orderId, payUrl } = await placeOrder();
    const [name, value] = cookie.split('; ').map((c) => c.split('=')).find(([n]) => n === 'sk_shop')!;
    const host = new URL(s.url).hostname;
    for (const javaScriptEnabled of [false, true]) {
      const context = await browser.newContext({ javaScriptEnabled });
      context.setDefaultTimeout(10_000);
      await context.addCookies([{ name: name!, value: value!, domain: host, path: '/' }]);
      // No internet here: Stripe.js is refused as a blocked network would.
      await context.route('https://js.stripe.com/**', (route) => route.abort());
      const page = await context.newPage();
      await page.goto(s.url + payUrl);
      if (!javaScriptEnabled) {
        await expect.poll(() => page.getByRole('status').textContent()).toContain('Card payment with Stripe needs JavaScript');
      } else {
        await expect.poll(() => page.getByRole('status').textContent()).toContain('The payment service did not answer');
      }
      expect(await page.locator('#stripe-form').isVisible()).toBe(false);
      if (javaScriptEnabled) {
        // axe runs as a script in the page, so only where JavaScript is on.
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
        expect(axe.violations.map((v) => v.id)).toEqual([]);
      }
      await context.close();
    }
    expect(await s.platform.getOrder(orderId)).toMatchObject({ status: 'pending', paymentStatus: 'unpaid' });
    // A confirmation page of the unpaid order links back to paying.
    const thanks = await s.app.inject({ url: `/checkout/thanks/${orderId}`, headers: { cookie } });
    expect(thanks.body).toContain(`href="/checkout/pay/${orderId}">Pay now</a>`);
  });
});
