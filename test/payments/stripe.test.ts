import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeProvider } from '../../src/payments/providers/stripe.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { FakeStripe } from './fake-stripe.js';
import { assertPaymentInvariants } from './fixture.js';

describe.each(backends)('the stripe provider against a local fake Stripe on $name', (backend) => {
  let s: TestServer;
  let fake: FakeStripe;
  let admin: string;
  const count = async (sql: string) => Number((await s.platform.query(sql))[0]!.n);
  const shopperOrder = async () => {
    const shopper = await s.shopper();
    const productId = await s.platform.addProduct({ name: `Gadget ${Math.random()}`, price: 40, stock: 10 });
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity: 2 } });
    const order = (await s.call('POST', '/api/orders', { token: shopper.token })).body.order;
    return { token: shopper.token, orderId: order.id as number, totalCents: order.totalCents as number };
  };
  const pay = (o: { token: string; orderId: number }, card?: string) =>
    s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { provider: 'stripe', ...(card ? { card } : {}) } });
  const intentsOf = (orderId: number) => [...fake.intents.values()].filter((pi) => pi.metadata.orderId === String(orderId));

  beforeAll(async () => {
    fake = await new FakeStripe().start();
    s = await startTestServer(backend);
    s.platform.payments.register(new StripeProvider({ secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, apiUrl: fake.url }));
    admin = (await s.admin()).token;
  });
  afterAll(async () => {
    await s?.close();
    await fake?.stop();
  });

  it('pays with a PaymentIntent in the shop currency; a declined card is a 402 and the order stays payable', async () => {
    const o = await shopperOrder();
    const declined = await pay(o, 'pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({ code: 'payment_declined', details: { declineCode: 'generic_decline' } });
    const paid = await pay(o, 'pm_card_visa');
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({ provider: 'stripe', status: 'captured', amountCents: o.totalCents, currency: 'USD' });
    expect(paid.body.order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
    const [, pi] = intentsOf(o.orderId);
    expect(pi).toMatchObject({ amount: o.totalCents, currency: 'usd', capture_method: 'automatic', status: 'succeeded' });
    expect(paid.body.payment.providerRef).toBe(pi!.id);
  });

  it('20 concurrent payment calls: one PaymentIntent and one capture at Stripe', async () => {
    const o = await shopperOrder();
    const calls = Array.from({ length: 20 }, () => () => pay(o, 'pm_card_visa'));
    const replies = await Promise.all(calls.map((c) => c()));
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(intentsOf(o.orderId)).toHaveLength(1);
    expect((await s.platform.getOrder(o.orderId))!).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
  });

  it('a capture whose answer is lost: the retry carries the same idempotency key and exactly one capture exists', async () => {
    const settings = s.platform.payments.settings;
    settings.capture = 'manual';
    try {
      const o = await shopperOrder();
      expect((await pay(o, 'pm_card_visa')).body.payment.status).toBe('authorized');
      const pi = intentsOf(o.orderId)[0]!;
      const capturesBefore = fake.effects.capture;
      fake.dropNext('capture');
      const r = await s.call('POST', `/api/admin/orders/${o.orderId}/capture`, { token: admin, body: {} });
      expect(r.status).toBe(200);
      expect(r.body.order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
      const sent = fake.requests.filter((q) => q.path === `/v1/payment_intents/${pi.id}/capture`);
      expect(sent.length).toBe(2);
      expect(new Set(sent.map((q) => q.idempotencyKey)).size).toBe(1);
      expect(sent[0]!.idempotencyKey).toMatch(/^sk_capture_\d+_/);
      expect(fake.effects.capture - capturesBefore).toBe(1);
      expect(pi).toMatchObject({ status: 'succeeded', amount_received: o.totalCents });
      const again = await s.call('POST', `/api/admin/orders/${o.orderId}/capture`, { token: admin, body: {} });
      expect(again.status).toBe(409);
      expect(fake.effects.capture - capturesBefore).toBe(1);
    } finally {
      settings.capture = 'automatic';
    }
  });

  it('client confirmation: the signed webhook settles the payment, twice or ten times at once it has one effect; refunds arrive as charge.refunded', async () => {
    const o = await shopperOrder();
    const r = await pay(o);
    expect(r.status).toBe(201);
    expect(r.body.payment).toMatchObject({ status: 'pending', clientSecret: expect.stringContaining('_secret_') });
    const pi = fake.confirm(r.body.payment.providerRef);
    const hook = fake.event('payment_intent.succeeded', pi);
    const first = await s.call('POST', '/api/payments/stripe/webhook', hook);
    expect(first.body).toEqual({ received: true, outcome: 'applied' });
    const replies = await Promise.all(Array.from({ length: 10 }, () => () => s.call('POST', '/api/payments/stripe/webhook', hook)).map((f) => f()));
    expect(replies.map((x) => x.body.outcome)).toEqual(Array<string>(10).fill('duplicate'));
    let order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
    expect(order.paymentLedger.filter((e) => e.kind === 'capture')).toHaveLength(1);

    // A refund made in our admin, then Stripe's charge.refunded for it: one ledger entry.
    const refund = await s.call('POST', `/api/admin/orders/${o.orderId}/refunds`, { token: admin, body: { amount: 1500 } });
    expect(refund.status).toBe(201);
    expect(fake.refunds.filter((x) => x.payment_intent === pi.id)).toHaveLength(1);
    const refunded = await s.call('POST', '/api/payments/stripe/webhook', fake.event('charge.refunded', fake.charge(pi)));
    expect(refunded.body.outcome).toBe('applied');
    order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ paymentStatus: 'partially_refunded', refundedCents: 1500 });
    expect(order.paymentLedger.filter((e) => e.kind === 'refund')).toHaveLength(1);
    await assertPaymentInvariants(s.platform, o.orderId);
  });

  it('a tampered body, an old timestamp or a wrong secret is a 400 and writes nothing', async () => {
    const o = await shopperOrder();
    const r = await pay(o);
    const pi = fake.confirm(r.body.payment.providerRef);
    const good = fake.event('payment_intent.succeeded', pi);
    const before = await count('SELECT COUNT(*) AS n FROM payment_webhook_events');
    const bad = [
      { raw: good.raw.replace(`"amount":${pi.amount}`, `"amount":${pi.amount - 1}`), headers: good.headers },
      fake.event('payment_intent.succeeded', pi, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      fake.event('payment_intent.succeeded', pi, { secret: 'whsec_someone_else' }),
    ];
    for (const b of bad) {
      const res = await s.call('POST', '/api/payments/stripe/webhook', b);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('webhook_signature_invalid');
    }
    expect(await count('SELECT COUNT(*) AS n FROM payment_webhook_events')).toBe(before);
    expect((await s.platform.getOrder(o.orderId))!.paymentStatus).toBe('unpaid');
  });
});
