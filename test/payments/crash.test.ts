import { describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { freePort, spawnServe, type ServeProcess } from '../scale/serve-process.js';
import { FakeStripe } from './fake-stripe.js';

async function json(method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(backends)('a server killed between the provider call and the database update on $name', (backend) => {
  it('after a restart, reconciliation makes our state equal Stripe’s, with one PaymentIntent', async () => {
    const { url, cleanup } = await backend.create();
    const fake = await new FakeStripe().start();
    const setup = await EcommercePlatform.open(url);
    const servers: ServeProcess[] = [];
    try {
      const productId = await setup.addProduct({ name: 'Kettle', price: 35, stock: 5 });
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = { STRIPE_SECRET_KEY: fake.secretKey, STRIPE_WEBHOOK_SECRET: fake.webhookSecret, STRIPE_API_URL: fake.url, PAYMENT_JOBS_INTERVAL_MS: '200' };
      const first = spawnServe(['--port', String(port), '--db', url], { ...env, PAYMENT_RECONCILE_GRACE_MS: '600000' });
      servers.push(first);
      await first.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening'));

      const reg = await json('POST', `${base}/api/auth/register`, undefined, { email: 'crash@example.com', name: 'Crash', password: 'correct horse battery' });
      const token = reg.body.token as string;
      await json('POST', `${base}/api/cart/items`, token, { productId, quantity: 2 });
      const orderId = ((await json('POST', `${base}/api/orders`, token)).body.order as { id: number }).id;

      // Stripe creates the PaymentIntent; the answer never comes back because the server dies first.
      const created = fake.holdNext('create');
      const inFlight = json('POST', `${base}/api/orders/${orderId}/payments`, token, { provider: 'stripe', card: 'pm_card_visa' }).catch(() => null);
      await created;
      first.child.kill('SIGKILL');
      await first.exited;
      expect(await inFlight).toBeNull();
      const intents = [...fake.intents.values()].filter((pi) => pi.metadata.orderId === String(orderId));
      expect(intents).toHaveLength(1);
      expect(intents[0]!.status).toBe('succeeded');
      const before = (await setup.getOrder(orderId))!;
      expect(before).toMatchObject({ paymentStatus: 'unpaid', paidCents: 0 });
      expect(before.payments.map((p) => [p.status, p.providerRef])).toEqual([['creating', null]]);

      const second = spawnServe(['--port', String(port), '--db', url], { ...env, PAYMENT_RECONCILE_GRACE_MS: '0' });
      servers.push(second);
      await second.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening'));
      let after = (await setup.getOrder(orderId))!;
      for (let i = 0; i < 300 && after.paymentStatus !== 'paid'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = (await setup.getOrder(orderId))!;
      }
      const pi = intents[0]!;
      expect(after).toMatchObject({ paymentStatus: 'paid', paidCents: pi.amount_received, authorizedCents: pi.amount });
      expect(after.payments.map((p) => [p.status, p.providerRef])).toEqual([['captured', pi.id]]);
      // The reconciler asked again with the operation's key: Stripe answered with the first intent and made no second one.
      const creates = fake.requests.filter((q) => q.path === '/v1/payment_intents');
      expect(creates.length).toBeGreaterThanOrEqual(2);
      expect(new Set(creates.map((q) => q.idempotencyKey)).size).toBe(1);
      expect(fake.effects.create).toBe(1);
      expect([...fake.intents.values()].filter((x) => x.metadata.orderId === String(orderId))).toHaveLength(1);
      // And the order can now be fulfilled.
      expect((await setup.updateOrderStatus(orderId, 'processing')).status).toBe('processing');
    } finally {
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
      await setup.close();
      await fake.stop();
      await cleanup();
    }
  });
});
