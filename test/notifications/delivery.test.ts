import { afterEach, describe, expect, it } from 'vitest';
import type { EcommercePlatform } from '../../src/index.js';
import type { RunnerOptions } from '../../src/notifications/runner.js';
import { backends, type Backend } from '../backends.js';
import { usePlatform } from '../core/fixture.js';
import { eventually, startReceiver, startSmtp, type FakeReceiver, type FakeSmtp } from './fakes.js';

const FAST: RunnerOptions = { pollMs: 20, leaseMs: 2_000, retryScheduleMs: [40, 40, 40], allowPrivate: true };

async function shopWithOrder(p: EcommercePlatform, email: string, quantity = 2): Promise<number> {
  const c = await p.createCustomer({ email, name: 'Ann Example' });
  const product = await p.addProduct({ name: 'Desk lamp', price: 12.5, stock: 100 });
  await p.addToCart(c, product, quantity);
  return p.createOrder(c);
}

async function statuses(p: EcommercePlatform, kind: string) {
  return (await p.query(`SELECT status, attempts FROM notifications WHERE kind = '${kind}' ORDER BY id`)).map((r) => [r.status, Number(r.attempts)]);
}

describe.each(backends)('delivering the outbox on $name', (backend: Backend) => {
  const ctx = usePlatform(backend);
  let smtp: FakeSmtp | undefined;
  let receiver: FakeReceiver | undefined;
  afterEach(async () => {
    await ctx.platform.runner?.stop();
    await smtp?.close();
    await receiver?.close();
    smtp = receiver = undefined;
  });

  async function hook(p: EcommercePlatform, events: string[] = ['*']) {
    receiver = await startReceiver();
    const created = await p.webhooks.create({ url: receiver.url, events });
    receiver.secret = created.secret;
    return created;
  }

  it('an order confirmation reaches a real SMTP server with its lines and total, and a webhook verified with standardwebhooks', async () => {
    const p = ctx.platform;
    smtp = await startSmtp();
    const endpoint = await hook(p, ['order.placed']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    const orderId = await shopWithOrder(p, 'ann@example.com');
    p.startJobs({ ...FAST, mail: { smtpUrl: smtp.url, shopName: 'Lamp Shop', from: 'Lamp Shop <orders@lamps.example>' } });
    await eventually(() => smtp!.mails.length === 1 && receiver!.delivered().size === 1, 20_000, 'one email and one webhook');
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(['ann@example.com']);
    expect(mail.subject).toBe(`Lamp Shop: order #${orderId} confirmed`);
    expect(mail.text).toContain('2 x Desk lamp at $12.50: $25.00');
    expect(mail.text).toContain('Total: $25.00');
    const [notification] = await p.query("SELECT id FROM notifications WHERE kind = 'email'");
    expect(mail.messageId).toBe(`<notification-${notification!.id}@lamps.example>`);
    const delivered = [...receiver!.delivered().values()][0]!;
    expect(delivered.verified).toBe(true);
    expect(delivered.body).toMatchObject({ id: delivered.id, type: 'order.placed', data: { order: { id: orderId, totalCents: 2500 } } });
    await eventually(async () => (await statuses(p, 'webhook')).join() === 'sent,1' && (await statuses(p, 'email')).join() === 'sent,1', 5_000, 'recorded');
    const deliveries = await p.webhooks.deliveries(endpoint.id);
    expect(deliveries).toEqual([expect.objectContaining({ ok: true, statusCode: 204, eventType: 'order.placed' })]);
  });

  it('a receiver failing the first two attempts gets the event on the third, with one webhook-id; every attempt is recorded', async () => {
    const p = ctx.platform;
    await hook(p, ['order.placed']);
    receiver!.respond = (_a, n) => (n <= 2 ? 503 : 200);
    await shopWithOrder(p, 'bo@example.com');
    p.startJobs({ ...FAST, mail: { mailboxDir: `${ctx.url}.mailbox` } });
    await eventually(() => receiver!.delivered().size === 1, 20_000, 'the third attempt');
    expect(receiver!.attempts.map((a) => a.answered)).toEqual([503, 503, 200]);
    expect(new Set(receiver!.attempts.map((a) => a.id)).size).toBe(1);
    expect(receiver!.attempts.every((a) => a.verified)).toBe(true);
    await eventually(async () => (await statuses(p, 'webhook')).join() === 'sent,3', 5_000, 'recorded');
    const attempts = await p.query("SELECT ok, status_code FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id WHERE n.kind = 'webhook' ORDER BY a.id");
    expect(attempts.map((a) => [Number(a.ok), Number(a.status_code)])).toEqual([
      [0, 503],
      [0, 503],
      [1, 200],
    ]);
  });

  it('after the last attempt a message is dead, an admin retry sends it; 4xx is not retried and 410 disables the endpoint', async () => {
    const p = ctx.platform;
    const endpoint = await hook(p, ['order.placed']);
    receiver!.respond = () => 500;
    await shopWithOrder(p, 'cy@example.com');
    p.startJobs({ ...FAST, mail: { mailboxDir: `${ctx.url}.mailbox` } });
    await eventually(async () => (await statuses(p, 'webhook')).join() === 'dead,4', 20_000, 'dead after 4 attempts');
    expect(receiver!.attempts).toHaveLength(4);
    const [dead] = await p.notifications.list({ status: 'dead', kind: 'webhook' });
    expect(dead).toMatchObject({ attempts: 4, lastError: 'HTTP 500', nextAttemptAt: null });
    receiver!.respond = () => 200;
    await p.notifications.retry(dead!.id);
    p.runner!.nudge();
    await eventually(async () => (await statuses(p, 'webhook')).join() === 'sent,1', 20_000, 'sent after the retry');
    expect(new Set(receiver!.attempts.map((a) => a.id)).size).toBe(1);

    receiver!.respond = () => 400;
    await shopWithOrder(p, 'cy2@example.com');
    await eventually(async () => (await statuses(p, 'webhook')).at(-1)!.join() === 'dead,1', 20_000, '400 is final');
    receiver!.respond = () => 410;
    await shopWithOrder(p, 'cy3@example.com');
    await eventually(async () => !(await p.webhooks.get(endpoint.id)).enabled, 20_000, '410 disables');
    expect((await p.webhooks.get(endpoint.id)).disabledReason).toContain('410');
    const before = receiver!.attempts.length;
    await shopWithOrder(p, 'cy4@example.com');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver!.attempts.length).toBe(before);
  });

  it('a 429 with Retry-After waits at least that long before the next attempt', async () => {
    const p = ctx.platform;
    await hook(p, ['order.placed']);
    const times: number[] = [];
    receiver!.respond = (_a, n) => {
      times.push(Date.now());
      return n === 1 ? [429, { 'retry-after': '1' }] : 200;
    };
    await shopWithOrder(p, 'dee@example.com');
    p.startJobs({ ...FAST, mail: { mailboxDir: `${ctx.url}.mailbox` } });
    await eventually(() => receiver!.delivered().size === 1, 20_000, 'delivered after Retry-After');
    // The schedule alone would retry after about 40 ms.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  it('targets on private addresses are refused unless allowed (the check is on the resolved address)', async () => {
    const p = ctx.platform;
    receiver = await startReceiver();
    const created = await p.webhooks.create({ url: receiver.url.replace('127.0.0.1', 'localhost'), events: ['order.placed'] });
    receiver.secret = created.secret;
    await shopWithOrder(p, 'eve@example.com');
    p.startJobs({ ...FAST, allowPrivate: false, mail: { mailboxDir: `${ctx.url}.mailbox` } });
    await eventually(async () => (await statuses(p, 'webhook')).join() === 'dead,1', 20_000, 'refused');
    const [row] = await p.notifications.list({ kind: 'webhook' });
    expect(row!.lastError).toMatch(/private address (127\.0\.0\.1|::1)/);
    expect(receiver.attempts).toHaveLength(0);
  });

  it('an SMTP server that refuses for a while gets every message afterwards, each once', async () => {
    const p = ctx.platform;
    smtp = await startSmtp();
    smtp.refusing = true;
    for (let i = 0; i < 5; i++) await shopWithOrder(p, `buyer${i}@example.com`, 1);
    p.startJobs({ ...FAST, retryScheduleMs: [40, 40, 40, 40, 40, 40, 40, 40], mail: { smtpUrl: smtp.url } });
    await eventually(() => smtp!.refusals >= 5, 20_000, 'refusals');
    smtp.refusing = false;
    await eventually(() => smtp!.mails.length === 5, 20_000, 'five emails');
    expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `buyer${i}@example.com`));
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(5);
    await eventually(async () => (await statuses(p, 'email')).every(([s]) => s === 'sent'), 5_000, 'recorded');
  });

  it('without SMTP_URL the email lands in the dev mailbox as an .eml file', async () => {
    const p = ctx.platform;
    const dir = `${ctx.url}.mailbox`;
    const orderId = await shopWithOrder(p, 'fay@example.com');
    p.startJobs({ ...FAST, mail: { mailboxDir: dir } });
    await eventually(async () => (await statuses(p, 'email')).join() === 'sent,1', 20_000, 'sent to the mailbox');
    const { listMailbox, readMailboxMessage } = await import('../../src/notifications/mail.js');
    const [entry] = await listMailbox(dir);
    expect(entry).toMatchObject({ to: 'fay@example.com', subject: `Storekeeper: order #${orderId} confirmed` });
    expect(await readMailboxMessage(dir, entry!.id)).toContain('Total: $25.00');
  });
});
