import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/http/server.js';
import { EcommercePlatform } from '../../src/index.js';
import { cleanupJob } from '../../src/jobs/cleanup.js';
import { claimRun } from '../../src/jobs/lease.js';
import { ClusterScheduler } from '../../src/jobs/scheduler.js';
import { backends, type Backend } from '../backends.js';

const INTERVAL = 60_000;

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`claim worker exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

describe.each(backends)('once-per-cluster jobs on $name', (backend: Backend) => {
  const disposers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const d of disposers.splice(0).reverse()) await d();
  });
  async function database(): Promise<string> {
    const { url, cleanup } = await backend.create();
    disposers.push(cleanup);
    return url;
  }
  async function open(url: string): Promise<EcommercePlatform> {
    const p = await EcommercePlatform.open(url, { poolMax: 3 });
    disposers.push(() => p.close());
    return p;
  }

  it('4 OS processes claiming the same job at once: exactly one runs it per interval', async () => {
    const url = await database();
    await (await EcommercePlatform.open(url)).close(); // migrate once, like the cluster primary
    const worker = fileURLToPath(new URL('./claim-worker.ts', import.meta.url));
    const children = [0, 1, 2, 3].map(() => fork(worker, [url], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    disposers.push(async () => {
      for (const c of children) if (c.exitCode === null) c.kill();
    });
    await Promise.all(children.map((c) => nextMessage(c)));
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    // Each round, every process claims at the same moment; half an interval later they try again.
    const winners: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const at of [t0 + round * INTERVAL, t0 + round * INTERVAL + INTERVAL / 2]) {
        const answers = await Promise.all(
          children.map((c) => {
            const answer = nextMessage<{ won?: boolean; error?: string }>(c);
            c.send({ at, intervalMs: INTERVAL });
            return answer;
          }),
        );
        expect(answers.filter((a) => a.error)).toEqual([]);
        winners.push(answers.filter((a) => a.won).length);
      }
    }
    expect(winners).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    await Promise.all(
      children.map((c) => {
        const gone = new Promise((r) => c.once('exit', r));
        c.send({ stop: true });
        return gone;
      }),
    );
  });

  it('several platform instances claiming concurrently in one process: one winner, and a new one after the lease expires', async () => {
    const url = await database();
    const instances = [await open(url), await open(url), await open(url)];
    const at = Date.now();
    const claim = (t: number) =>
      Promise.all(instances.map((p, i) => claimRun(p.db, 'in-process', { holder: `instance ${i}`, intervalMs: INTERVAL, at: t })));
    expect((await claim(at)).filter(Boolean)).toHaveLength(1);
    expect((await claim(at + INTERVAL - 1)).filter(Boolean)).toHaveLength(0);
    expect((await claim(at + INTERVAL)).filter(Boolean)).toHaveLength(1);
    // Different jobs have different leases.
    expect(await claimRun(instances[0]!.db, 'another job', { holder: 'x', intervalMs: INTERVAL, at })).toBe(true);
  });

  it('a running server deletes expired sessions by itself', async () => {
    const url = await database();
    const previous = process.env.CLEANUP_INTERVAL_MS;
    process.env.CLEANUP_INTERVAL_MS = '200';
    const server = await startServer({ databaseUrl: url, port: 0, logger: false, handleSignals: false, demoData: false });
    try {
      const p = server.platform;
      const customer = await p.createCustomer({ email: 'stale@example.com', name: 'Stale Session' });
      const past = new Date(Date.now() - 60_000).toISOString();
      await p.db.run('INSERT INTO sessions (token_hash, customer_id, expires_at, created_at) VALUES (?, ?, ?, ?)', ['stale', customer, past, past]);
      for (let i = 0; i < 100 && (await p.query('SELECT COUNT(*) AS n FROM sessions'))[0]!.n !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await p.query('SELECT COUNT(*) AS n FROM sessions')).toEqual([{ n: 0 }]);
      expect(await p.query("SELECT holder FROM job_leases WHERE name = 'cleanup-expired'")).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.CLEANUP_INTERVAL_MS;
      else process.env.CLEANUP_INTERVAL_MS = previous;
      await server.close();
    }
  });

  it('schedulers in 3 instances run the session cleanup once per interval and delete only expired rows', async () => {
    const url = await database();
    const instances = [await open(url), await open(url), await open(url)];
    const p = instances[0]!;
    const customer = await p.createCustomer({ email: 'sessions@example.com', name: 'Session Holder' });
    const past = new Date(Date.now() - 3600_000).toISOString();
    const future = new Date(Date.now() + 3600_000).toISOString();
    for (const [token, expires] of [['expired-1', past], ['expired-2', past], ['live', future]] as const) {
      await p.db.run('INSERT INTO sessions (token_hash, customer_id, expires_at, created_at) VALUES (?, ?, ?, ?)', [token, customer, expires, past]);
    }
    await p.db.run(
      'INSERT INTO idempotent_responses (customer_id, idempotency_key, request_hash, status_code, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [customer, 'old-key', 'h', 201, '{}', new Date(Date.now() - 48 * 3600_000).toISOString()],
    );
    const interval = 400;
    const runs: Array<{ instance: number; at: number }> = [];
    const errors: unknown[] = [];
    const started = Date.now();
    const schedulers = instances.map((inst, i) =>
      new ClusterScheduler(inst.db, [cleanupJob(inst.db, { intervalMs: interval })], {
        checkEveryMs: 20,
        onRun: () => runs.push({ instance: i, at: Date.now() }),
        onError: (_job, e) => errors.push(e),
      }).start(),
    );
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all(schedulers.map((s) => s.stop()));
    const elapsed = Date.now() - started;
    expect(errors).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    // Three schedulers asking every ~20 ms: without the lease this would be dozens of runs.
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / interval) + 1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.at - runs[i - 1]!.at).toBeGreaterThanOrEqual(interval / 2);
    const left = await p.query('SELECT token_hash FROM sessions ORDER BY token_hash');
    expect(left).toEqual([{ token_hash: 'live' }]);
    expect(await p.query('SELECT COUNT(*) AS n FROM idempotent_responses')).toEqual([{ n: 0 }]);
  });
});
