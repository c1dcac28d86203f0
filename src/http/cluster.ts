import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { DEFAULT_DATABASE } from '../db/open.js';
import { ValidationError } from '../errors.js';
import { EcommercePlatform } from '../platform.js';
import { startServer, type StartOptions } from './server.js';

export interface ClusterOptions extends StartOptions {
  /** Server processes to run (node:cluster workers sharing one port). */
  workers: number;
  /** How long a worker may take to finish its requests after SIGTERM before it is killed (ms, default 15 s). */
  drainTimeoutMs?: number;
}

/** A worker that dies sooner than this after starting is restarted only after a pause (no crash loop). */
const MIN_UPTIME_MS = 2000;
/** Workers dying in a row before they ever listened (bad config, port taken): the cluster gives up. */
const MAX_FAILED_STARTS = 5;

/**
 * `storekeeper serve --workers N`. Called in every process: the primary migrates the database once,
 * forks N workers (each runs the whole server; node:cluster shares the listening port between
 * them), restarts any worker that dies, and on SIGTERM/SIGINT asks every worker to drain and waits.
 * Any worker can serve any request: sessions, carts and idempotency records live in the database.
 */
export async function runCluster(options: ClusterOptions): Promise<void> {
  if (cluster.isPrimary) await runPrimary(options);
  else await runWorker(options);
}

async function runPrimary(options: ClusterOptions): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }).child({ role: 'primary' });
  const target = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE;
  if (target === ':memory:' || target === 'sqlite::memory:') {
    throw new ValidationError('--workers needs a database the processes can share; :memory: is private to each process', [
      { path: 'workers', message: 'not with :memory:' },
    ]);
  }
  // Migrations run here, once, before any worker opens the database (they are also safe concurrently).
  const platform = await EcommercePlatform.open(target);
  await platform.close();

  let stopping = false;
  let listening = 0;
  let failedStarts = 0;
  const startedAt = new Map<Worker, number>();
  const listened = new WeakSet<Worker>();
  const fork = () => startedAt.set(cluster.fork(), Date.now());

  cluster.on('online', (worker) => log.info({ worker: worker.process.pid }, 'worker started'));
  cluster.on('listening', (worker, address) => {
    listened.add(worker);
    failedStarts = 0;
    log.info({ worker: worker.process.pid }, 'worker listening');
    if (++listening !== options.workers) return;
    const host = address.address && address.address.includes(':') ? `[${address.address}]` : (address.address ?? '127.0.0.1');
    log.info({ url: `http://${host}:${address.port}`, workers: options.workers }, 'cluster listening');
  });
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) return;
    if (!listened.has(worker) && ++failedStarts >= MAX_FAILED_STARTS) {
      log.fatal({ worker: worker.process.pid, code, signal }, `${failedStarts} workers in a row failed to start; stopping`);
      shutdown('SIGTERM', 1);
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
    if (lived < MIN_UPTIME_MS) setTimeout(fork, MIN_UPTIME_MS);
    else fork();
  });

  const shutdown = (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const timeout = setTimeout(() => {
      log.error('workers did not drain in time; killing them');
      for (const w of workers) w.process.kill('SIGKILL');
    }, options.drainTimeoutMs ?? 15_000);
    Promise.all(workers.map((w) => new Promise((resolve) => (w.isDead() ? resolve(undefined) : w.once('exit', resolve))))).then(() => {
      clearTimeout(timeout);
      log.info('all workers stopped');
      process.exit(exitCode);
    });
    for (const w of workers) w.process.kill('SIGTERM');
  };
  process.once('SIGTERM', (signal) => shutdown(signal));
  process.once('SIGINT', (signal) => shutdown(signal));

  for (let i = 0; i < options.workers; i++) fork();
}

async function runWorker(options: ClusterOptions): Promise<void> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...options, handleSignals: false });
  } catch (e) {
    // The IPC channel to the primary would keep this process alive: leave once the error is printed.
    setImmediate(() => process.exit(1));
    throw e;
  }
  let closing = false;
  const onSignal = () => {
    if (closing) return;
    closing = true;
    // Stop accepting, finish the requests in flight, close the database, then leave the cluster.
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  // Ctrl-C reaches every process of the terminal's group: the primary coordinates, workers wait for its SIGTERM.
  process.on('SIGINT', () => undefined);
}
