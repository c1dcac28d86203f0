import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireUnpaidOrders } from '../../src/payments/jobs.js';
import { signPayload } from '../../src/payments/providers/signature.js';
import { TEST_SIGNATURE_HEADER } from '../../src/payments/providers/test.js';
import type { ProviderEvent } from '../../src/payments/provider.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { assertLedgerInvariant } from '../invariants.js';
import { assertPaymentInvariants, ledgerStock, placeOrder, stockOf, TEST_CARDS } from './fixture.js';

const WORKER = fileURLToPath(new URL('./pay-worker.ts', import.meta.url));

describe.each(backends)('payments with the test provider on $name', (backend) => {
  let s: TestServer;
  let admin: string;
  const count = async (sql: string) => Number((await s.platform.query(sql))[0]!.n);
  /** A pending order of one shopper over HTTP; 2 × 25.00. */
  const shopperOrder = async (quantity = 2, stock = 10) => {
    const shopper = await s.shopper();
    const productId = await s.platform.addProduct({ name: `Widget ${Math.random()}`, price: 25, stock });
    await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId, quantity } });
    const order = (await s.call('POST', '/api/orders', { token: shopper.token })).body.order;
    const variantId = (await s.platform.getProduct(productId))!.variants[0]!.id;
    return { token: shopper.token, orderId: order.id as number, productId, variantId, totalCents: order.totalCents as number };
  };
  const providerPayments = (orderId: number) => count(`SELECT COUNT(*) AS n FROM test_provider_payments WHERE metadata LIKE '%"orderId":"${orderId}"%'`);
  const signed = (event: ProviderEvent, options: { secret?: string; timestamp?: number } = {}) => {
    const body = JSON.stringify(event);
    const secret = options.secret ?? s.platform.payments.testProvider.webhookSecret;
    return { raw: body, headers: { 'content-type': 'application/json', [TEST_SIGNATURE_HEADER]: signPayload(body, secret, options.timestamp) } };
  };
  /** A payment left pending at the provider (the 3155 card), with its settling webhook switched off. */
  const pendingPayment = async () => {
    const o = await shopperOrder();
    const r = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { card: TEST_CARDS.pending } });
    expect(r.status).toBe(201);
    expect(r.body.payment.status).toBe('pending');
    return { ...o, ref: r.body.payment.providerRef as string };
  };
  const event = (id: string, ref: string, type: ProviderEvent['type'], amountCents: number, extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
    id,
    type,
    ref,
    amountCents,
    currency: 'USD',
    capturedCents: type === 'payment.authorized' ? 0 : amountCents,
    refunds: [],
    ...extra,
  });

  beforeAll(async () => {
    s = await startTestServer(backend);
    // Webhooks here are sent by the tests themselves; the settle test switches delivery back on.
    s.platform.payments.testProvider.deliver = undefined;
    admin = (await s.admin()).token;
  });
  afterAll(async () => s?.close());

  it('a declined card is a 402 and the order stays payable; the next card pays it in full', async () => {
    const o = await shopperOrder();
    const declined = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { provider: 'test', card: TEST_CARDS.declined } });
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('payment_declined');
    const after = (await s.call('GET', `/api/orders/${o.orderId}`, { token: o.token })).body.order;
    expect(after).toMatchObject({ paymentStatus: 'unpaid', paidCents: 0, refundedCents: 0, status: 'pending' });
    const paid = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { provider: 'test', card: TEST_CARDS.success } });
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({ provider: 'test', status: 'captured', amountCents: o.totalCents });
    expect(paid.body.order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents, refundedCents: 0 });
    expect(paid.body.order.paymentLedger.map((e: { kind: string }) => e.kind)).toEqual(['attempt', 'failure', 'attempt', 'authorization', 'capture']);
    // Paying again is a 409 and charges nothing.
    const again = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { card: TEST_CARDS.success } });
    expect(again.status).toBe(409);
    expect(await providerPayments(o.orderId)).toBe(2);
    // Someone else's order is a 404; an unknown provider a 400.
    const other = await s.shopper();
    expect((await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: other.token, body: {} })).status).toBe(404);
    const o2 = await shopperOrder();
    expect((await s.call('POST', `/api/orders/${o2.orderId}/payments`, { token: o2.token, body: { provider: 'nope' } })).body.error.code).toBe('validation_failed');
    await assertPaymentInvariants(s.platform, o.orderId);
  });

  it('a guest pays with the order access token; a wrong token is a 404 and charges nothing', async () => {
    const productId = await s.platform.addProduct({ name: `Guest thing ${Math.random()}`, price: 12.5, stock: 5 });
    const first = await s.call('POST', '/api/cart/items', { body: { productId, quantity: 2 } });
    const cartToken = first.headers.get('x-cart-token')!;
    const address = { name: 'Gus Guest', line1: '1 Side Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
    const placed = await s.call('POST', '/api/orders', { headers: { 'x-cart-token': cartToken }, body: { email: 'gus@example.com', shippingAddress: address } });
    expect(placed.status).toBe(201);
    const { order, accessToken } = placed.body as { order: { id: number; totalCents: number; currency: string }; accessToken: string };
    const wrong = await s.call('POST', `/api/orders/${order.id}/payments`, { headers: { 'x-order-token': 'not-the-token' }, body: { card: TEST_CARDS.success } });
    expect(wrong.status).toBe(404);
    expect((await s.call('POST', `/api/orders/${order.id}/payments`, { body: { card: TEST_CARDS.success } })).status).toBe(401);
    expect(await providerPayments(order.id)).toBe(0);
    const paid = await s.call('POST', `/api/orders/${order.id}/payments`, { headers: { 'x-order-token': accessToken }, body: { card: TEST_CARDS.success } });
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({ status: 'captured', amountCents: order.totalCents, currency: order.currency });
    const seen = await s.call('GET', `/api/orders/${order.id}?token=${encodeURIComponent(accessToken)}`);
    expect(seen.body.order).toMatchObject({ paymentStatus: 'paid', paidCents: order.totalCents });
  });

  it('an unpaid order cannot move to processing (409); once paid it can', async () => {
    const o = await shopperOrder();
    const refused = await s.call('POST', `/api/admin/orders/${o.orderId}/status`, { token: admin, body: { status: 'processing' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('order_unpaid');
    expect((await s.platform.getOrder(o.orderId))!.statusHistory.map((h) => h.status)).toEqual(['pending']);
    await s.platform.payOrder(o.orderId);
    const moved = await s.call('POST', `/api/admin/orders/${o.orderId}/status`, { token: admin, body: { status: 'processing' } });
    expect(moved.status).toBe(200);
    expect(moved.body.order).toMatchObject({ status: 'processing', paymentStatus: 'paid', paidCents: o.totalCents });
  });

  it('20 concurrent payment calls for one order: one capture at the provider, paidCents = totalCents', async () => {
    const o = await shopperOrder();
    // Start barrier: every request is built first, then all are sent in the same turn.
    const calls = Array.from({ length: 20 }, () => () => s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { card: TEST_CARDS.success } }));
    const replies = await Promise.all(calls.map((c) => c()));
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(await providerPayments(o.orderId)).toBe(1);
    const order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
    expect(order.paymentLedger.filter((e) => e.kind === 'capture')).toHaveLength(1);
  });

  it('20 payment calls from 4 processes at once: one capture at the provider', async () => {
    const o = await placeOrder(s.platform);
    const url = (s.platform.db as unknown as { url?: string }).url ?? (await backendUrl(s));
    const workers = Array.from({ length: 4 }, () => fork(WORKER, [url, String(o.orderId), '5'], { execArgv: ['--import', 'tsx'] }));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const done = workers.map((w) => new Promise<{ ok: number; conflict: number; other: string[] }>((resolve) => w.once('message', resolve)));
    for (const w of workers) w.send('go');
    const results = await Promise.all(done);
    expect(results.flatMap((r) => r.other)).toEqual([]);
    expect(results.reduce((n, r) => n + r.ok, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.conflict, 0)).toBe(19);
    expect(await providerPayments(o.orderId)).toBe(1);
    expect(await s.platform.getOrder(o.orderId)).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
  });

  it('a pending card settles by itself through the signed webhook', async () => {
    const provider = s.platform.payments.testProvider;
    provider.deliver = (raw, headers) => s.call('POST', '/api/payments/test/webhook', { raw: raw.toString(), headers });
    try {
      const o = await pendingPayment();
      expect((await s.platform.getOrder(o.orderId))!.paymentStatus).toBe('unpaid');
      let order = (await s.platform.getOrder(o.orderId))!;
      for (let i = 0; i < 100 && order.paymentStatus !== 'paid'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        order = (await s.platform.getOrder(o.orderId))!;
      }
      expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
      expect(await count(`SELECT COUNT(*) AS n FROM payment_webhook_events WHERE provider_ref = '${o.ref}' AND outcome = 'applied'`)).toBe(1);
    } finally {
      provider.deliver = undefined;
    }
  });

  it('the same signed webhook twice, then ten times at once: one effect', async () => {
    const o = await pendingPayment();
    const hook = signed(event(`evt_twice_${o.orderId}`, o.ref, 'payment.captured', o.totalCents));
    const first = await s.call('POST', '/api/payments/test/webhook', hook);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true, outcome: 'applied' });
    const second = await s.call('POST', '/api/payments/test/webhook', hook);
    expect(second.body).toEqual({ received: true, outcome: 'duplicate' });

    const p = await pendingPayment();
    const burst = signed(event(`evt_burst_${p.orderId}`, p.ref, 'payment.captured', p.totalCents));
    const sends = Array.from({ length: 10 }, () => () => s.call('POST', '/api/payments/test/webhook', burst));
    const replies = await Promise.all(sends.map((f) => f()));
    expect(replies.map((r) => r.status)).toEqual(Array<number>(10).fill(200));
    expect(replies.map((r) => r.body.outcome).sort()).toEqual(['applied', ...Array<string>(9).fill('duplicate')]);
    for (const x of [o, p]) {
      const order = (await s.platform.getOrder(x.orderId))!;
      expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: x.totalCents });
      expect(order.paymentLedger.filter((e) => e.kind === 'capture')).toHaveLength(1);
      expect(await count(`SELECT COUNT(*) AS n FROM payment_webhook_events WHERE provider_ref = '${x.ref}'`)).toBe(1);
      await assertPaymentInvariants(s.platform, x.orderId);
    }
  });

  it('every order of the events of one payment leaves the same final state', async () => {
    const kinds = ['payment.authorized', 'payment.captured', 'payment.refunded'] as const;
    const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const finals: unknown[] = [];
    for (const order of orders) {
      const o = await pendingPayment();
      for (const i of order) {
        const type = kinds[i]!;
        const refunds = type === 'payment.refunded' ? [{ ref: `re_${o.orderId}`, amountCents: 700, status: 'succeeded' as const }] : [];
        const r = await s.call('POST', '/api/payments/test/webhook', signed(event(`evt_${o.orderId}_${i}`, o.ref, type, o.totalCents, { refunds })));
        expect(r.status).toBe(200);
      }
      const final = (await s.platform.getOrder(o.orderId))!;
      await assertPaymentInvariants(s.platform, o.orderId);
      finals.push({
        paymentStatus: final.paymentStatus,
        paidCents: final.paidCents,
        refundedCents: final.refundedCents,
        payment: final.payments.map((p) => p.status),
        ledger: final.paymentLedger.map((e) => `${e.kind}:${e.amountCents}`).sort(),
      });
    }
    expect(finals[0]).toEqual({
      paymentStatus: 'partially_refunded',
      paidCents: 5000,
      refundedCents: 700,
      payment: ['captured'],
      ledger: ['attempt:5000', 'authorization:5000', 'capture:5000', 'refund:700'],
    });
    for (const f of finals) expect(f).toEqual(finals[0]);
  });

  it('a tampered body, an old timestamp or a wrong secret is a 400 and writes nothing; a mismatched amount is flagged and changes nothing', async () => {
    const o = await pendingPayment();
    const good = signed(event(`evt_bad_${o.orderId}`, o.ref, 'payment.captured', o.totalCents));
    const tables = ['payment_webhook_events', 'payment_ledger', 'payments', 'payment_operations'];
    const before = await Promise.all(tables.map((t) => count(`SELECT COUNT(*) AS n FROM ${t}`)));
    const tampered = { raw: good.raw.replace(`"amountCents":${o.totalCents}`, `"amountCents":${o.totalCents + 1}`), headers: good.headers };
    const old = signed(event(`evt_old_${o.orderId}`, o.ref, 'payment.captured', o.totalCents), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const wrong = signed(event(`evt_wrong_${o.orderId}`, o.ref, 'payment.captured', o.totalCents), { secret: 'whsec_not_ours' });
    const unsigned = { raw: good.raw, headers: { 'content-type': 'application/json' } };
    for (const bad of [tampered, old, wrong, unsigned]) {
      const r = await s.call('POST', '/api/payments/test/webhook', bad);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('webhook_signature_invalid');
    }
    expect(await Promise.all(tables.map((t) => count(`SELECT COUNT(*) AS n FROM ${t}`)))).toEqual(before);

    const mismatch = await s.call('POST', '/api/payments/test/webhook', signed(event(`evt_mismatch_${o.orderId}`, o.ref, 'payment.captured', o.totalCents - 1)));
    expect(mismatch.body.outcome).toBe('flagged');
    const flagged = await s.platform.query(`SELECT outcome, flag FROM payment_webhook_events WHERE event_id = 'evt_mismatch_${o.orderId}'`);
    expect(flagged[0]).toMatchObject({ outcome: 'flagged', flag: expect.stringContaining('mismatch') });
    const currency = await s.call('POST', '/api/payments/test/webhook', signed(event(`evt_eur_${o.orderId}`, o.ref, 'payment.captured', o.totalCents, { currency: 'EUR' })));
    expect(currency.body.outcome).toBe('flagged');
    expect(await s.platform.getOrder(o.orderId)).toMatchObject({ paymentStatus: 'unpaid', paidCents: 0 });
  });

  it('a payment cancelled before it was authorised moved no money: the order stays unpaid and payable', async () => {
    const o = await pendingPayment();
    const r = await s.call('POST', '/api/payments/test/webhook', signed(event(`evt_cancel_${o.orderId}`, o.ref, 'payment.voided', o.totalCents, { capturedCents: 0 })));
    expect(r.body.outcome).toBe('applied');
    const order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ paymentStatus: 'unpaid', authorizedCents: 0, paidCents: 0 });
    expect(order.payments.map((p) => p.status)).toEqual(['voided']);
    expect(order.paymentLedger.map((e) => e.kind)).toEqual(['attempt']);
    const again = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { card: TEST_CARDS.success } });
    expect(again.status).toBe(201);
    expect(again.body.order).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
  });

  it('order.paid and order.refunded are emitted once each, inside the transaction of the effect', async () => {
    const seen: Array<[string, number, number]> = [];
    s.platform.payments.onEvent = async (tx, e) => {
      // Inside the transaction: the figures it announces are already visible to it.
      const row = await tx.get<{ paid_cents: number; refunded_cents: number }>('SELECT paid_cents, refunded_cents FROM orders WHERE id = ?', [e.orderId]);
      expect(Number(e.type === 'order.paid' ? row!.paid_cents : row!.refunded_cents)).toBeGreaterThanOrEqual(e.amountCents);
      seen.push([e.type, e.orderId, e.amountCents]);
    };
    try {
      const o = await shopperOrder();
      const paid = await s.call('POST', `/api/orders/${o.orderId}/payments`, { token: o.token, body: { card: TEST_CARDS.success } });
      const ref = paid.body.payment.providerRef as string;
      // The provider's webhooks for the same capture, late and repeated, announce nothing again.
      const hook = signed(event(`evt_emit_${o.orderId}`, ref, 'payment.captured', o.totalCents));
      await Promise.all([0, 1, 2].map(() => s.call('POST', '/api/payments/test/webhook', hook)));
      await s.call('POST', '/api/payments/test/webhook', signed(event(`evt_emit2_${o.orderId}`, ref, 'payment.captured', o.totalCents)));
      await s.platform.refundOrder(o.orderId, { amount: 1200 }, 'emit-refund');
      await s.platform.refundOrder(o.orderId, { amount: 1200 }, 'emit-refund');
      expect(seen).toEqual([
        ['order.paid', o.orderId, o.totalCents],
        ['order.refunded', o.orderId, 1200],
      ]);
    } finally {
      s.platform.payments.onEvent = null;
    }
  });

  it('concurrent refunds summing to more than was paid never refund more than paid', async () => {
    const o = await placeOrder(s.platform, { priceCents: 2500, quantity: 2 });
    await s.platform.payOrder(o.orderId);
    const refunds = Array.from({ length: 8 }, () => () => s.platform.refundOrder(o.orderId, { amount: 1000 }));
    const results = await Promise.allSettled(refunds.map((f) => f()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('conflict');
    const order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ paymentStatus: 'refunded', paidCents: 5000, refundedCents: 5000 });
    const atProvider = await count(`SELECT COALESCE(SUM(amount_cents), 0) AS n FROM test_provider_calls WHERE kind = 'refund' AND payment_ref = '${order.payments[0]!.providerRef}'`);
    expect(atProvider).toBe(5000);
    await assertPaymentInvariants(s.platform, o.orderId);
    // Nothing is left: one more cent is a 409.
    const more = await s.call('POST', `/api/admin/orders/${o.orderId}/refunds`, { token: admin, body: { amount: 1 } });
    expect(more.status).toBe(409);
  });

  it('a refund with restock retried with its Idempotency-Key: one refund, one ledger movement', async () => {
    const o = await shopperOrder(3);
    await s.platform.payOrder(o.orderId);
    const stock = await stockOf(s.platform, o.productId);
    const body = { amount: 2500, reason: 'one came back', restock: [{ variantId: o.variantId, quantity: 1 }] };
    const send = () => s.call('POST', `/api/admin/orders/${o.orderId}/refunds`, { token: admin, body, headers: { 'idempotency-key': `refund-${o.orderId}` } });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body.refund).toMatchObject({ status: 'succeeded', amountCents: 2500, restock: body.restock });
    expect(first.body.order).toMatchObject({ paymentStatus: 'partially_refunded', refundedCents: 2500 });
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.body.refund.id).toBe(first.body.refund.id);
    const burst = await Promise.all(Array.from({ length: 5 }, () => send));
    for (const r of await Promise.all(burst.map((f) => f()))) expect(r.body.refund?.id).toBe(first.body.refund.id);
    expect(await stockOf(s.platform, o.productId)).toBe(stock + 1);
    expect(await ledgerStock(s.platform, o.productId)).toBe(stock + 1);
    const moves = (await s.platform.getInventoryMovements(o.productId)).filter((m) => m.reason === 'refund restock');
    expect(moves.map((m) => m.delta)).toEqual([1]);
    expect((await s.platform.getOrder(o.orderId))!.refundedCents).toBe(2500);
    // The same key with another body is a 422; restocking more than was ordered and not yet restocked is a 409 and refunds nothing.
    const other = await s.call('POST', `/api/admin/orders/${o.orderId}/refunds`, { token: admin, body: { amount: 100 }, headers: { 'idempotency-key': `refund-${o.orderId}` } });
    expect(other.status).toBe(422);
    const tooMany = await s.call('POST', `/api/admin/orders/${o.orderId}/refunds`, { token: admin, body: { amount: 100, restock: [{ variantId: o.variantId, quantity: 3 }] } });
    expect(tooMany.status).toBe(409);
    expect((await s.platform.getOrder(o.orderId))!.refundedCents).toBe(2500);
    expect(await stockOf(s.platform, o.productId)).toBe(stock + 1);
    await assertLedgerInvariant(s.platform);
  });

  it('cancelling a paid order refunds it in full once; cancelling an authorised one voids it once', async () => {
    const o = await placeOrder(s.platform);
    await s.platform.payOrder(o.orderId);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => s.platform.cancelOrder(o.orderId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const order = (await s.platform.getOrder(o.orderId))!;
    expect(order).toMatchObject({ status: 'cancelled', paymentStatus: 'refunded', paidCents: o.totalCents, refundedCents: o.totalCents });
    expect(order.paymentLedger.filter((e) => e.kind === 'refund')).toHaveLength(1);
    expect(await stockOf(s.platform, o.productId)).toBe(10);

    const manual = s.platform.payments.settings;
    manual.capture = 'manual';
    try {
      const a = await placeOrder(s.platform);
      const payment = await s.platform.payOrder(a.orderId);
      expect(payment.status).toBe('authorized');
      expect(await s.platform.getOrder(a.orderId)).toMatchObject({ paymentStatus: 'authorized', authorizedCents: a.totalCents, paidCents: 0 });
      await s.platform.updateOrderStatus(a.orderId, 'processing');
      const cancelled = await s.platform.cancelOrder(a.orderId);
      expect(cancelled).toMatchObject({ status: 'cancelled', paymentStatus: 'voided', paidCents: 0 });
      expect(cancelled.paymentLedger.map((e) => e.kind)).toEqual(['attempt', 'authorization', 'void']);
      const atProvider = await s.platform.query(`SELECT status FROM test_provider_payments WHERE ref = '${cancelled.payments[0]!.providerRef}'`);
      expect(atProvider[0]!.status).toBe('voided');
    } finally {
      manual.capture = 'automatic';
    }
  });

  it('manual capture: shipping captures the authorisation, once; the admin route captures another order', async () => {
    const settings = s.platform.payments.settings;
    settings.capture = 'manual';
    try {
      const a = await placeOrder(s.platform);
      await s.platform.payOrder(a.orderId);
      await s.platform.updateOrderStatus(a.orderId, 'processing');
      const shipped = await s.platform.updateOrderStatus(a.orderId, 'shipped');
      expect(shipped).toMatchObject({ paymentStatus: 'paid', paidCents: a.totalCents });
      expect(await count(`SELECT COUNT(*) AS n FROM test_provider_calls WHERE kind = 'capture' AND payment_ref = '${shipped.payments[0]!.providerRef}'`)).toBe(1);

      const b = await placeOrder(s.platform);
      await s.platform.payOrder(b.orderId);
      const captures = await Promise.all(Array.from({ length: 3 }, () => () => s.call('POST', `/api/admin/orders/${b.orderId}/capture`, { token: admin, body: {} })).map((f) => f()));
      expect(captures.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
      for (const r of captures) expect([200, 409]).toContain(r.status);
      const order = (await s.platform.getOrder(b.orderId))!;
      expect(order).toMatchObject({ paymentStatus: 'paid', paidCents: b.totalCents });
      expect(await count(`SELECT COUNT(*) AS n FROM test_provider_calls WHERE kind = 'capture' AND payment_ref = '${order.payments[0]!.providerRef}'`)).toBe(1);
      expect(order.paymentLedger.filter((e) => e.kind === 'capture')).toHaveLength(1);
    } finally {
      settings.capture = 'automatic';
    }
  });

  it('an order unpaid past the timeout is cancelled and its stock returns; a pending payment is cancelled at the provider first; a paid order is kept', async () => {
    const unpaid = await placeOrder(s.platform, { quantity: 3 });
    const paid = await placeOrder(s.platform);
    await s.platform.payOrder(paid.orderId);
    const paying = await pendingPayment();
    expect(await stockOf(s.platform, unpaid.productId)).toBe(7);
    // Nothing is old enough under the default timeout.
    expect((await expireUnpaidOrders(s.platform)).cancelled).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100));
    const { cancelled } = await expireUnpaidOrders(s.platform, 1);
    expect(cancelled).toContain(unpaid.orderId);
    expect(cancelled).not.toContain(paid.orderId);
    expect(cancelled).toContain(paying.orderId);
    const abandoned = (await s.platform.getOrder(paying.orderId))!;
    expect(abandoned).toMatchObject({ status: 'cancelled', paymentStatus: 'unpaid', paidCents: 0 });
    expect(abandoned.payments.map((p) => p.status)).toEqual(['voided']);
    expect((await s.platform.query(`SELECT status FROM test_provider_payments WHERE ref = '${paying.ref}'`))[0]!.status).toBe('voided');
    expect(await stockOf(s.platform, paying.productId)).toBe(10);
    expect((await s.platform.getOrder(unpaid.orderId))!.status).toBe('cancelled');
    expect(await stockOf(s.platform, unpaid.productId)).toBe(10);
    const moves = (await s.platform.getInventoryMovements(unpaid.productId)).map((m) => [m.delta, m.reason]);
    expect(moves.slice(-2)).toEqual([
      [-3, 'order'],
      [3, 'order cancelled'],
    ]);
    expect((await s.platform.getOrder(paid.orderId))!.status).toBe('pending');
    await assertLedgerInvariant(s.platform);
  });

  it('reconciliation settles a pending payment whose webhook never came', async () => {
    const o = await pendingPayment();
    await new Promise((r) => setTimeout(r, 2100));
    expect((await s.platform.getOrder(o.orderId))!.paymentStatus).toBe('unpaid');
    const result = await s.platform.payments.reconcile({ graceMs: 0 });
    expect(result.payments).toBeGreaterThanOrEqual(1);
    expect(await s.platform.getOrder(o.orderId)).toMatchObject({ paymentStatus: 'paid', paidCents: o.totalCents });
  });
});

async function backendUrl(s: TestServer): Promise<string> {
  const rows = await s.platform.query(s.platform.db.dialect === 'sqlite' ? "SELECT file FROM pragma_database_list WHERE name = 'main'" : 'SELECT 1 AS file');
  return String(rows[0]!.file);
}
