import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { emit } from '../../src/notifications/outbox.js';
import { NotificationRunner, type RunnerOptions } from '../../src/notifications/runner.js';
import { backends, type Backend } from '../backends.js';
import { usePlatform } from '../core/fixture.js';
import { eventually, startReceiver, startSmtp, tempMailbox, type FakeReceiver, type FakeSmtp } from './fakes.js';

const FAST: RunnerOptions = { pollMs: 20, leaseMs: 60_000, retryScheduleMs: [40, 40], batchSize: 100, allowPrivate: true };

/**
 * A webhook receiver that holds every request until `releaseAt` have arrived (or release() is
 * called), then answers them all in one go, by path: the runner gets all results at once.
 */
interface GatedReceiver {
  url: string;
  held: number;
  release(): void;
  close(): Promise<void>;
}

async function gatedReceiver(releaseAt: number, statusFor: (path: string) => number = () => 204): Promise<GatedReceiver> {
  const waiting: Array<() => void> = [];
  let open = false;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = () => res.writeHead(statusFor(req.url ?? '')).end();
      if (open) return answer();
      waiting.push(answer);
      gate.held++;
      if (waiting.length >= releaseAt) gate.release();
    });
  });
  const gate: GatedReceiver = {
    url: '',
    held: 0,
    release() {
      open = true;
      for (const answer of waiting.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}

/** Transactions the driver has run (SQLite: calls, PostgreSQL: transactions). */
function transactions(p: EcommercePlatform): number {
  const stats = p.db.stats as { calls?: number; transactions?: number };
  return stats.calls ?? stats.transactions ?? 0;
}

/** `count` stock.low events in one transaction: one webhook message per subscribed endpoint each. */
async function lowStock(p: EcommercePlatform, count: number): Promise<void> {
  await p.db.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      await emit(tx, 'stock.low', { productId: i + 1, variantId: i + 1, sku: null, variantTitle: 'Default', name: `Mug ${i}`, stock: 1, threshold: 2 });
    }
  });
}

async function rows(p: EcommercePlatform, sql: string): Promise<Array<Array<string | number | null>>> {
  return (await p.query(sql)).map((r) => Object.values(r).map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as string | number | null))));
}

describe.each(backends)('the outbox runner records results in groups on $name', (backend: Backend) => {
  const ctx = usePlatform(backend);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function runner(p: EcommercePlatform, options: RunnerOptions = {}): NotificationRunner {
    const r = new NotificationRunner(p.db, ctx.url, { ...FAST, mail: { mailboxDir: tempMailbox() }, ...options });
    closers.push(() => r.stop());
    return r;
  }

  async function gated(releaseAt: number, statusFor?: (path: string) => number): Promise<GatedReceiver> {
    const gate = await gatedReceiver(releaseAt, statusFor);
    closers.push(() => gate.close());
    return gate;
  }

  it('50 messages of one round are recorded in a few transactions, each sent once with one attempt row', async () => {
    const p = ctx.platform;
    const gate = await gated(50);
    await p.webhooks.create({ url: `${gate.url}/hooks`, events: ['stock.low'] });
    await lowStock(p, 50);
    const r = runner(p);
    const before = transactions(p);
    expect(await r.runOnce()).toBe(50);
    const recordTransactions = transactions(p) - before - 1; // the claim is one
    expect(recordTransactions).toBe(r.recordFlushes);
    expect(recordTransactions).toBeGreaterThanOrEqual(1);
    // One transaction per message without grouping; the receiver answers all 50 at once.
    expect(recordTransactions).toBeLessThanOrEqual(5);
    expect(await rows(p, "SELECT status, attempts, COUNT(*) AS n FROM notifications WHERE kind = 'webhook' GROUP BY status, attempts")).toEqual([['sent', 1, 50]]);
    expect(await rows(p, 'SELECT ok, status_code, COUNT(*) AS n, COUNT(DISTINCT notification_id) AS ids FROM notification_attempts GROUP BY ok, status_code')).toEqual([[1, 204, 50, 50]]);
  });

  it('a mixed round (success, retryable, last attempt, permanent, 410) is recorded correctly in one flush', async () => {
    const p = ctx.platform;
    const status: Record<string, number> = { '/ok': 200, '/busy': 503, '/last': 503, '/bad': 400, '/gone': 410 };
    const gate = await gated(5, (path) => status[path]!);
    const endpoints: Record<string, number> = {};
    for (const path of Object.keys(status)) endpoints[path] = (await p.webhooks.create({ url: `${gate.url}${path}`, events: ['stock.low'] })).id;
    await lowStock(p, 1);
    const r = runner(p);
    // The /last message has had every attempt but one (maxAttempts 3).
    await p.db.run('UPDATE notifications SET attempts = 2 WHERE endpoint_id = ?', [endpoints['/last']]);
    const before = transactions(p);
    const startedAt = new Date().toISOString();
    expect(await r.runOnce()).toBe(5);
    expect(transactions(p) - before).toBe(2); // the claim and one record flush
    expect(r.recordFlushes).toBe(1);

    const byPath = async (path: string) => {
      const [n] = await p.query(`SELECT id, status, attempts, last_error, next_attempt_at, claimed_by FROM notifications WHERE endpoint_id = ${endpoints[path]}`);
      const attempts = await rows(p, `SELECT ok, status_code, error FROM notification_attempts WHERE notification_id = ${n!.id}`);
      return { status: n!.status, attempts: Number(n!.attempts), lastError: n!.last_error, next: n!.next_attempt_at as string, claimedBy: n!.claimed_by, rows: attempts };
    };
    expect(await byPath('/ok')).toMatchObject({ status: 'sent', attempts: 1, lastError: null, claimedBy: null, rows: [[1, 200, null]] });
    const busy = await byPath('/busy');
    expect(busy).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 503', claimedBy: null, rows: [[0, 503, 'HTTP 503']] });
    expect(busy.next > startedAt).toBe(true);
    expect(await byPath('/last')).toMatchObject({ status: 'dead', attempts: 3, lastError: 'HTTP 503', rows: [[0, 503, 'HTTP 503']] });
    expect(await byPath('/bad')).toMatchObject({ status: 'dead', attempts: 1, lastError: 'HTTP 400', rows: [[0, 400, 'HTTP 400']] });
    expect(await byPath('/gone')).toMatchObject({ status: 'dead', attempts: 1, lastError: 'HTTP 410', rows: [[0, 410, 'HTTP 410']] });
    const enabled = await Promise.all(Object.keys(status).map(async (path) => [path, (await p.webhooks.get(endpoints[path]!)).enabled]));
    expect(Object.fromEntries(enabled)).toEqual({ '/ok': true, '/busy': true, '/last': true, '/bad': true, '/gone': false });
    expect((await p.webhooks.get(endpoints['/gone']!)).disabledReason).toContain('410');
  });

  it('a slow webhook does not hold back the record of a fast email', async () => {
    const p = ctx.platform;
    const gate = await gated(Infinity);
    await p.webhooks.create({ url: `${gate.url}/hooks`, events: ['customer.registered'] });
    await p.db.transaction((tx) => emit(tx, 'customer.registered', { customerId: 1, email: 'fast@example.com', name: 'Fast' }));
    const r = runner(p);
    const round = r.runOnce();
    await eventually(async () => (await rows(p, "SELECT status FROM notifications WHERE kind = 'email'")).join() === 'sent', 20_000, 'the email recorded');
    expect(gate.held).toBe(1);
    expect(await rows(p, "SELECT status FROM notifications WHERE kind = 'webhook'")).toEqual([['pending']]);
    gate.release();
    expect(await round).toBe(2);
    expect(await rows(p, 'SELECT kind, status FROM notifications ORDER BY kind')).toEqual([
      ['email', 'sent'],
      ['webhook', 'sent'],
    ]);
  });

  it('an idle poll is one read and no transaction; a nudged round claims without reading first', async () => {
    const p = ctx.platform;
    const r = runner(p);
    const statements = () => p.db.stats.statements;
    let before = [statements(), transactions(p)];
    expect(await r.runOnce()).toBe(0);
    expect([statements() - before[0]!, transactions(p) - before[1]!]).toEqual([1, 0]);

    const gate = await gated(1);
    await p.webhooks.create({ url: `${gate.url}/hooks`, events: ['stock.low'] });
    await lowStock(p, 1);
    const claimStatements = p.db.dialect === 'postgres' ? 1 : 2; // PostgreSQL claims and loads in one statement
    before = [statements(), transactions(p)];
    expect(await r.runOnce(Date.now(), { precheck: false })).toBe(1);
    // The claim, then the record: one UPDATE for the success, one INSERT of its attempt.
    expect([statements() - before[0]!, transactions(p) - before[1]!]).toEqual([claimStatements + 2, 2]);
  });

  it('the nudges of one window make one round', async () => {
    const p = ctx.platform;
    // Not wired to this platform's commits, so only the nudges below wake it; a long poll.
    const r = runner(p, { pollMs: 60_000, nudgeMs: 2000 }).start();
    await r.runOnce(); // as the start-up round: nothing is due yet
    for (let i = 0; i < 5; i++) {
      await p.db.transaction((tx) => emit(tx, 'customer.registered', { customerId: i + 1, email: `n${i}@example.com`, name: `N ${i}` }));
    }
    const rounds = r.claimRounds;
    r.nudge();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r.nudge(); // within the window: neither a round of its own nor a later one
    }
    await eventually(async () => (await rows(p, "SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent'"))[0]![0] === 5, 20_000, 'all five sent');
    expect(r.claimRounds - rounds).toBe(1);
    expect(await rows(p, 'SELECT attempts, COUNT(*) AS n FROM notifications GROUP BY attempts')).toEqual([[1, 5]]);
  });

  it('stop() waits for the results still to be recorded', async () => {
    const p = ctx.platform;
    const gate = await gated(Infinity);
    await p.webhooks.create({ url: `${gate.url}/hooks`, events: ['stock.low'] });
    // Enqueued first: the start-up poll claims all five in one round.
    await lowStock(p, 5);
    const r = p.startJobs({ ...FAST, mail: { mailboxDir: tempMailbox() } });
    await eventually(() => gate.held === 5, 20_000, 'five deliveries in flight');
    let stopped = false;
    const stopping = r.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    gate.release();
    await stopping;
    // No waiting after stop(): every result is already written.
    expect(await rows(p, 'SELECT status, COUNT(*) AS n FROM notifications GROUP BY status')).toEqual([['sent', 5]]);
    expect(await rows(p, 'SELECT ok, COUNT(*) AS n FROM notification_attempts GROUP BY ok')).toEqual([[1, 5]]);
  });

  describe('two processes on one database', () => {
    let other: EcommercePlatform | undefined;
    let smtp: FakeSmtp | undefined;
    let receiver: FakeReceiver | undefined;
    afterEach(async () => {
      await other?.close();
      await smtp?.close();
      await receiver?.close();
      other = smtp = receiver = undefined;
    });

    it('racing on the same due rows (one with a clock past the other lease): every message sent, each success recorded once', async () => {
      const p = ctx.platform;
      other = await EcommercePlatform.open(ctx.url);
      smtp = await startSmtp();
      receiver = await startReceiver();
      receiver.secret = (await p.webhooks.create({ url: receiver.url, events: ['customer.registered'] })).secret;
      const EVENTS = 15;
      await p.db.transaction(async (tx) => {
        for (let i = 0; i < EVENTS; i++) await emit(tx, 'customer.registered', { customerId: i + 1, email: `race${i}@example.com`, name: `Race ${i}` });
      });
      const options: RunnerOptions = { ...FAST, mail: { smtpUrl: smtp.url } };
      const runners = [runner(p, options), runner(other, options)];
      let go!: () => void;
      const barrier = new Promise<void>((resolve) => (go = resolve));
      const t = Date.now();
      // The second runner's clock is past the first one's lease: rows the first claimed are due to it again.
      const racing = runners.map(async (r, i) => {
        await barrier;
        return r.runOnce(t + i * (FAST.leaseMs! + 1));
      });
      go();
      const claimed = await Promise.all(racing);
      expect(claimed[0]! + claimed[1]!).toBeGreaterThanOrEqual(2 * EVENTS);

      expect(new Set(smtp.mails.map((m) => m.to[0]))).toEqual(new Set(Array.from({ length: EVENTS }, (_, i) => `race${i}@example.com`)));
      expect(receiver.delivered().size).toBe(EVENTS);
      expect(receiver.attempts.every((a) => a.verified)).toBe(true);
      expect(await rows(p, 'SELECT kind, status, COUNT(*) AS n FROM notifications GROUP BY kind, status ORDER BY kind')).toEqual([
        ['email', 'sent', EVENTS],
        ['webhook', 'sent', EVENTS],
      ]);
      // Exactly one success row per message, and no more attempt rows than attempts claimed.
      expect(
        await rows(
          p,
          `SELECT COUNT(*) AS n FROM notifications n WHERE (SELECT COUNT(*) FROM notification_attempts a WHERE a.notification_id = n.id AND a.ok = 1) <> 1
             OR (SELECT COUNT(*) FROM notification_attempts a WHERE a.notification_id = n.id) > n.attempts`,
        ),
      ).toEqual([[0]]);
      const deliveries = smtp.mails.length + receiver.attempts.length;
      expect(await rows(p, 'SELECT COUNT(*) AS n FROM notification_attempts')).toEqual([[2 * EVENTS]]);
      expect(deliveries).toBeGreaterThanOrEqual(2 * EVENTS);
    });
  });
});
