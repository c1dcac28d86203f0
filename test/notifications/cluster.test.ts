import { afterEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends, type Backend } from '../backends.js';
import { alive, freePort, spawnServe, type ServeProcess } from '../scale/serve-process.js';
import { eventually, startReceiver, startSmtp, type FakeReceiver, type FakeSmtp } from './fakes.js';

const ORDERS = 50;

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, never> & { token: string; order: { id: number; totalCents: number } } };
}

const jobEnv = (smtp: FakeSmtp) => ({
  SMTP_URL: smtp.url,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  JOB_POLL_MS: '50',
  JOB_LEASE_MS: '1500',
  RETRY_SCHEDULE_MS: '100,100,100,100,100',
  SHOP_NAME: 'Cluster Shop',
  PGPOOL_MAX: '4',
});

describe.each(backends)('the outbox across server processes on $name', (backend: Backend) => {
  const workers = backend.name === 'postgres' ? 3 : 2;
  let serves: ServeProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;
  let smtp: FakeSmtp | undefined;
  let receiver: FakeReceiver | undefined;
  afterEach(async () => {
    for (const serve of serves) {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
      for (const l of serve.logs) if (l.msg === 'worker started' && l.worker && alive(l.worker)) process.kill(l.worker, 'SIGKILL');
    }
    serves = [];
    await smtp?.close();
    await receiver?.close();
    await cleanup?.();
  });

  async function setup() {
    const created = await backend.create();
    cleanup = created.cleanup;
    smtp = await startSmtp();
    receiver = await startReceiver();
    const platform = await EcommercePlatform.open(created.url);
    receiver.secret = (await platform.webhooks.create({ url: receiver.url, events: ['order.placed'] })).secret;
    const productId = await platform.addProduct({ name: 'Cluster mug', price: 9.99, stock: 1000 });
    return { url: created.url, platform, productId };
  }

  it(`${ORDERS} concurrent orders over ${workers} processes: exactly ${ORDERS} confirmation emails with the right totals and ${ORDERS} verified webhooks`, async () => {
    const { url: db, platform, productId } = await setup();
    await platform.close();
    const serve = spawnServe(['--workers', String(workers), '--port', String(await freePort()), '--db', db], jobEnv(smtp!));
    serves.push(serve);
    const url = (await serve.waitFor((l) => l.msg === 'cluster listening')).url!;

    const shoppers = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const email = `buyer${i}@example.com`;
        const r = await call(url, 'POST', '/api/auth/register', undefined, { email, name: `Buyer ${i}`, password: 'correct horse battery' });
        expect(r.status).toBe(201);
        const quantity = (i % 3) + 1;
        expect((await call(url, 'POST', '/api/cart/items', r.body.token, { productId, quantity })).status).toBe(200);
        return { email, token: r.body.token, quantity };
      }),
    );
    // Every cart is ready: the checkouts start together.
    const orders = await Promise.all(shoppers.map((s) => call(url, 'POST', '/api/orders', s.token)));
    expect(orders.map((o) => o.status)).toEqual(Array(ORDERS).fill(201));
    // A request's log line is written after its response and reaches us through a pipe: wait for all of them.
    const orderLogs = () => serve.logs.filter((l) => l.msg === 'request' && l.url === '/api/orders');
    await eventually(() => orderLogs().length >= ORDERS, 30_000, 'the log line of every order request');
    const servedBy = new Set(orderLogs().map((l) => l.pid));
    expect(servedBy.size).toBeGreaterThan(1);

    const confirmations = () => smtp!.mails.filter((m) => m.subject.includes('confirmed'));
    await eventually(() => confirmations().length >= ORDERS && receiver!.delivered().size >= ORDERS, 120_000, 'every email and webhook');
    // Give a duplicate the chance to show up before counting exactly.
    await new Promise((r) => setTimeout(r, 500));
    expect(confirmations()).toHaveLength(ORDERS);
    expect(receiver!.delivered().size).toBe(ORDERS);
    expect(receiver!.attempts.every((a) => a.verified)).toBe(true);
    for (const [i, s] of shoppers.entries()) {
      const order = orders[i]!.body.order;
      expect(order.totalCents).toBe(999 * s.quantity);
      const mail = confirmations().filter((m) => m.to[0] === s.email);
      expect(mail, s.email).toHaveLength(1);
      expect(mail[0]!.subject).toBe(`Cluster Shop: order #${order.id} confirmed`);
      expect(mail[0]!.text).toContain(`Total: $${((999 * s.quantity) / 100).toFixed(2)}`);
      const hook = [...receiver!.delivered().values()].filter((h) => (h.body.data.order as { id: number }).id === order.id);
      expect(hook).toHaveLength(1);
      expect(hook[0]!.body.data.order).toMatchObject({ customerEmail: s.email, totalCents: 999 * s.quantity });
    }
    const check = await EcommercePlatform.open(db);
    try {
      const sent = await check.query("SELECT kind, COUNT(*) AS n FROM notifications WHERE status = 'sent' GROUP BY kind ORDER BY kind");
      expect(sent.map((r) => [r.kind, Number(r.n)])).toEqual([
        ['email', ORDERS * 2],
        ['webhook', ORDERS],
      ]);
      const successes = await check.query('SELECT notification_id, COUNT(*) AS n FROM notification_attempts WHERE ok = 1 GROUP BY notification_id HAVING COUNT(*) > 1');
      expect(successes).toEqual([]);
    } finally {
      await check.close();
    }
  });

  it('a server killed with SIGKILL while sending delivers every pending message after a restart', async () => {
    const { url: db, platform, productId } = await setup();
    for (let i = 0; i < 6; i++) {
      const c = await platform.createCustomer({ email: `kill${i}@example.com`, name: `Kill ${i}` });
      await platform.addToCart(c, productId, 1);
      await platform.createOrder(c);
    }
    await platform.close();
    smtp!.holding = true;
    receiver!.holding = true;
    const first = spawnServe(['--port', String(await freePort()), '--db', db], jobEnv(smtp!));
    serves.push(first);
    await first.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening'));
    await eventually(() => smtp!.held >= 1 && receiver!.held >= 1, 60_000, 'sends in flight');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(smtp!.mails).toHaveLength(0);

    smtp!.holding = false;
    receiver!.holding = false;
    const second = spawnServe(['--port', String(await freePort()), '--db', db], jobEnv(smtp!));
    serves.push(second);
    await eventually(() => smtp!.mails.length >= 6 && receiver!.delivered().size >= 6, 60_000, 'every message after the restart');
    expect(new Set(smtp!.mails.map((m) => m.to[0]))).toEqual(new Set([0, 1, 2, 3, 4, 5].map((i) => `kill${i}@example.com`)));
    expect(receiver!.delivered().size).toBe(6);
    const check = await EcommercePlatform.open(db);
    try {
      await eventually(async () => Number((await check.query("SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent'"))[0]!.n) === 12, 20_000, 'recorded');
    } finally {
      await check.close();
    }
  });
});
