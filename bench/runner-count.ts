/**
 * SQL statements, PostgreSQL round trips and transactions the outbox runner spends per delivered
 * message, counted on the runner's own driver (a second platform on the same database, so the
 * enqueuing transactions are not counted). Two shapes:
 * - stream: events committed one at a time, each nudging the runner (a shop under load);
 * - concurrent: ten writers committing events at once, each commit nudging;
 * - burst: many messages due at once, found by a timer poll.
 * Every event makes two messages: a welcome email (dev mailbox) and a webhook to a local receiver.
 *
 *   node --import tsx bench/runner-count.ts [postgres://…]   (default: SQLite in a temp dir)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EcommercePlatform } from '../src/index.js';
import { emit } from '../src/notifications/outbox.js';

const EVENTS = 150;

async function target(pgUrl: string | undefined): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (!pgUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'sk-runner-count-'));
    return { url: join(dir, 'store.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `sk_runner_count_${process.pid}`;
  const u = new URL(pgUrl);
  u.searchParams.set('schema', schema);
  return {
    url: u.toString(),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

function counters(p: EcommercePlatform): { statements: number; roundTrips: number; transactions: number } {
  const s = p.db.stats as { statements: number; roundTrips: number; calls?: number; transactions?: number };
  return { statements: s.statements, roundTrips: s.roundTrips, transactions: s.calls ?? s.transactions ?? 0 };
}

async function main(): Promise<void> {
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const { url, cleanup } = await target(process.argv[2]);
  const mailbox = mkdtempSync(join(tmpdir(), 'sk-runner-count-mail-'));
  const shop = await EcommercePlatform.open(url);
  const worker = await EcommercePlatform.open(url);
  try {
    await shop.webhooks.create({ url: hookUrl, events: ['customer.registered'] });
    const enqueue = (i: number) => shop.db.transaction((tx) => emit(tx, 'customer.registered', { customerId: i, email: `c${i}@example.com`, name: `C ${i}` }));
    const sent = async () => Number((await shop.query("SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent'"))[0]!.n);
    const waitFor = async (n: number) => {
      while ((await sent()) < n) await new Promise((r) => setTimeout(r, 5));
    };
    const runner = worker.startJobs({ pollMs: 200, allowPrivate: true, mail: { mailboxDir: mailbox } });
    let flushesBefore = 0;
    const report = (label: string, before: ReturnType<typeof counters>, messages: number) => {
      const after = counters(worker);
      const per = (k: keyof typeof before) => ((after[k] - before[k]) / messages).toFixed(2);
      const flushes = 'recordFlushes' in runner ? ` (record flushes ${(runner.recordFlushes as number) - flushesBefore})` : '';
      console.log(`${label}: ${messages} messages; per message: statements ${per('statements')}, round trips ${per('roundTrips')}, transactions ${per('transactions')}${flushes}`);
      flushesBefore = 'recordFlushes' in runner ? (runner.recordFlushes as number) : 0;
    };

    await enqueue(-1);
    runner.nudge();
    await waitFor(2); // warm: statements prepared, templates loaded
    await new Promise((r) => setTimeout(r, 50));
    flushesBefore = 'recordFlushes' in runner ? (runner.recordFlushes as number) : 0;

    let before = counters(worker);
    for (let i = 0; i < EVENTS; i++) {
      await enqueue(i);
      runner.nudge();
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(2 + 2 * EVENTS);
    await new Promise((r) => setTimeout(r, 50));
    report('stream (one event per commit, nudged)', before, 2 * EVENTS);

    // Ten writers committing at once, as under bench:http.
    before = counters(worker);
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = w; i < EVENTS; i += 10) {
          await enqueue(EVENTS + i);
          runner.nudge();
        }
      }),
    );
    await waitFor(2 + 4 * EVENTS);
    await new Promise((r) => setTimeout(r, 50));
    report('concurrent (10 writers, nudged)', before, 2 * EVENTS);

    await runner.stop();
    for (let i = 0; i < EVENTS; i++) await enqueue(2 * EVENTS + i);
    before = counters(worker);
    runner.start();
    await waitFor(2 + 6 * EVENTS);
    await new Promise((r) => setTimeout(r, 50));
    report('burst (all due at once, timer poll)', before, 2 * EVENTS);
  } finally {
    await worker.close();
    await shop.close();
    await cleanup();
    rmSync(mailbox, { recursive: true, force: true });
    receiver.close();
  }
}

await main();
