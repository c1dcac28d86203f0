/**
 * npm run bench:http — complete shopper checkouts over HTTP against the library and the database.
 * On a fresh file database (or DATABASE_URL's PostgreSQL, in a schema of its own) one run prints:
 *  - the real server (`storekeeper serve`, for each count of BENCH_WORKERS processes: default 1 on
 *    SQLite, "1,2" on PostgreSQL) driven from this separate process at BENCH_CONNECTIONS (64)
 *    connections, each a registered shopper looping: add product A, add product B, check out (the
 *    first BENCH_WARMUP_SECONDS, 5, untimed: a server runs warm, and so does the library run);
 *    request p50/p99 and the largest event-loop stall of the server processes; then its bare
 *    GET /healthz as the HTTP ceiling;
 *  - the library's 16-in-flight rate on the same kind of database (bench/library.ts) and the ratio;
 *  - SQL statements (and on PostgreSQL round trips) per complete checkout, counted by the driver
 *    of an in-process server doing the same requests (bench/http-count.ts);
 *  - on PostgreSQL, `pgbench` running the engine's checkout SQL (bench/checkout.sql) as the bound;
 *  - the stock = ledger invariant of the benchmarked database after the runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { EcommercePlatform } from '../src/index.js';
import { freePort } from '../test/scale/serve-process.js';
import { countStatements } from './http-count.js';
import { libraryRate, pgUrlOf } from './library.js';
import { pgbenchBound } from './pgbench.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Untimed checkouts before each server's measured window (BENCH_WARMUP_SECONDS, default 5). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const PG_URL = pgUrlOf(process.env.DATABASE_URL);
const WORKERS = (process.env.BENCH_WORKERS ?? (PG_URL ? '1,2' : '1')).split(',').map(Number);
const LIBRARY_CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? (PG_URL ? 2000 : 3000));
/** BENCH_SERVER_ONLY=1: the server runs alone, without the library and pgbench (for profiling the server). */
const SERVER_ONLY = process.env.BENCH_SERVER_ONLY === '1';
const PRODUCTS = 100;

async function database(): Promise<{ url: string; label: string; cleanup: () => Promise<void> }> {
  if (PG_URL) {
    const schema = `sk_bench_${process.pid}`;
    const u = new URL(PG_URL);
    u.searchParams.set('schema', schema);
    return {
      url: u.toString(),
      label: 'PostgreSQL',
      cleanup: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-http-'));
  return { url: join(dir, 'store.db'), label: 'SQLite file', cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function waitReady(origin: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${origin}/readyz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

/** CPU seconds used so far by a process and its descendants (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
    return own + children.reduce((sum, c) => sum + cpuSeconds(c), 0);
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by every PostgreSQL server process on this machine (0 when none is local). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      /* the process ended */
    }
  }
  return total;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const f = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () => loadavg()[0]!.toFixed(2);

interface ServerRun {
  workers: number;
  rate: number;
  checkouts: number;
  failures: number;
  requestP50: number;
  requestP99: number;
  checkoutP50: number;
  checkoutP99: number;
  healthRps: number;
  driverCores: number;
  /** CPU time of the server processes per complete checkout, in µs (background jobs included). */
  serverCpuMicros: number;
  /** CPU time of the local PostgreSQL processes per complete checkout, in µs (0 on SQLite). */
  databaseCpuMicros: number;
  worstStall: number | null;
}

async function serverRun(dbUrl: string, products: number[], workers: number): Promise<ServerRun> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = ['bin/storekeeper.js', 'serve', '--port', String(port), '--db', dbUrl];
  if (workers > 1) args.push('--workers', String(workers));
  // The server measures its own event-loop stalls (bench/loop-monitor.mjs) into this file.
  const loopDir = mkdtempSync(join(tmpdir(), 'sk-bench-loop-'));
  const loopFile = join(loopDir, 'loop.txt');
  const monitor = ['--import', new URL('./loop-monitor.mjs', import.meta.url).href];
  const server = spawn(process.execPath, [...monitor, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...args], {
    env: { ...process.env, STORE_DEMO_DATA: 'false', AUTH_RATE_LIMIT_PER_MIN: '1000000', LOG_LEVEL: 'warn', DATABASE_URL: dbUrl, BENCH_LOOP_FILE: loopFile },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitReady(origin, server);
    const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
    const json = { 'content-type': 'application/json' };
    const tokens = await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const r = await pool.request({
          path: '/api/auth/register',
          method: 'POST',
          headers: json,
          body: JSON.stringify({ email: `shopper${i}.${workers}.${Date.now()}@bench.example`, name: `Shopper ${i}`, password: 'correct horse battery' }),
        });
        const body = (await r.body.json()) as { token: string };
        if (r.statusCode !== 201) throw new Error(`register: ${r.statusCode} ${JSON.stringify(body)}`);
        return body.token;
      }),
    );

    const requestLatencies: number[] = [];
    const checkoutLatencies: number[] = [];
    let checkouts = 0;
    let failures = 0;
    let measuring = false;
    const call = async (token: string, path: string, body: unknown, expect: number) => {
      const t = performance.now();
      const r = await pool.request({ path, method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      await r.body.dump();
      if (measuring) requestLatencies.push(performance.now() - t);
      if (r.statusCode !== expect) failures++;
    };
    const drive = (seconds: number) => {
      const until = performance.now() + seconds * 1000;
      return Promise.all(
        tokens.map(async (token, i) => {
          let n = i;
          while (performance.now() < until) {
            const a = products[n % PRODUCTS]!;
            const b = products[(n * 7 + 3) % PRODUCTS]!;
            const t = performance.now();
            await call(token, '/api/cart/items', { productId: a, quantity: 1 }, 200);
            await call(token, '/api/cart/items', { productId: b === a ? products[(n + 1) % PRODUCTS]! : b, quantity: 1 }, 200);
            await call(token, '/api/orders', {}, 201);
            if (measuring) {
              checkoutLatencies.push(performance.now() - t);
              checkouts++;
            }
            n += CONNECTIONS;
          }
        }),
      );
    };
    // A server runs for days: the measured window starts after V8 has compiled the hot paths.
    await drive(WARMUP_SECONDS);
    measuring = true;
    const windowStart = Date.now();
    const startCpu = process.cpuUsage();
    const serverCpu = cpuSeconds(server.pid!);
    const databaseCpu = postgresCpuSeconds();
    const start = performance.now();
    await drive(SECONDS);
    const elapsed = (performance.now() - start) / 1000;
    const driverCpu = process.cpuUsage(startCpu);
    const serverCpuUsed = cpuSeconds(server.pid!) - serverCpu;
    const databaseCpuUsed = postgresCpuSeconds() - databaseCpu;
    const windowEnd = Date.now();
    await new Promise((r) => setTimeout(r, 300)); // the monitor's last window of the run
    const stalls = existsSync(loopFile)
      ? readFileSync(loopFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(' ').map(Number) as [number, number])
          .filter(([at]) => at >= windowStart && at <= windowEnd + 300)
      : [];

    let health = 0;
    const healthUntil = performance.now() + Math.min(5, SECONDS) * 1000;
    const healthStart = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < healthUntil) {
          const r = await pool.request({ path: '/healthz', method: 'GET' });
          await r.body.dump();
          health++;
        }
      }),
    );
    const healthRps = health / ((performance.now() - healthStart) / 1000);
    await pool.close();
    requestLatencies.sort((x, y) => x - y);
    checkoutLatencies.sort((x, y) => x - y);
    return {
      workers,
      rate: checkouts / elapsed,
      checkouts,
      failures,
      requestP50: pct(requestLatencies, 50),
      requestP99: pct(requestLatencies, 99),
      checkoutP50: pct(checkoutLatencies, 50),
      checkoutP99: pct(checkoutLatencies, 99),
      healthRps,
      driverCores: (driverCpu.user + driverCpu.system) / 1e6 / elapsed,
      serverCpuMicros: checkouts > 0 ? (serverCpuUsed * 1e6) / checkouts : 0,
      databaseCpuMicros: checkouts > 0 ? (databaseCpuUsed * 1e6) / checkouts : 0,
      worstStall: stalls.length ? stalls.reduce((m, [, ms]) => Math.max(m, ms), 0) : null,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(loopDir, { recursive: true, force: true });
  }
}

/** Stock = ledger for every product and variant, and no stock below zero, after the runs. */
async function invariantBroken(dbUrl: string): Promise<number> {
  const p = await EcommercePlatform.open(dbUrl);
  try {
    const rows = await p.query(
      `SELECT (SELECT COUNT(*) FROM products p WHERE p.stock < 0 OR p.stock <> COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.product_id = p.id), 0))
            + (SELECT COUNT(*) FROM product_variants v WHERE v.stock < 0 OR v.stock <> COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.variant_id = v.id), 0)) AS n`,
    );
    return Number(rows[0]!.n);
  } finally {
    await p.close();
  }
}

async function main(): Promise<void> {
  const db = await database();
  const loadStart = load();
  try {
    const seed = await EcommercePlatform.open(db.url);
    const products: number[] = [];
    for (let i = 0; i < PRODUCTS; i++) products.push(await seed.addProduct({ name: `Bench product ${i}`, priceCents: 500 + i, stock: 100_000_000 }));
    await seed.close();

    const counted = await countStatements(db.url, products);
    const runs: ServerRun[] = [];
    for (const w of WORKERS) runs.push(await serverRun(db.url, products, w));
    const library = SERVER_ONLY ? null : await libraryRate(PG_URL, 16, LIBRARY_CHECKOUTS, Math.floor(LIBRARY_CHECKOUTS / 4));
    const bound = PG_URL && !SERVER_ONLY ? await pgbenchBound(PG_URL, { seconds: SECONDS, clients: 16, script: 'statements' }) : null;
    const batchedBound = PG_URL && !SERVER_ONLY ? await pgbenchBound(PG_URL, { seconds: SECONDS, clients: 16, script: 'batched' }) : null;
    const broken = await invariantBroken(db.url);

    const one = runs[0]!;
    console.log(`${db.label}, ${CONNECTIONS} connections, ${SECONDS} s per server run; load average ${loadStart} at start, ${load()} at end`);
    for (const r of runs) {
      console.log(`server, ${r.workers} process(es):`);
      console.log(`  complete checkouts/s        : ${f(r.rate)}  (${r.checkouts} checkouts, ${r.failures} unexpected statuses)`);
      console.log(`  requests/s                  : ${f(r.rate * 3)}`);
      console.log(`  request latency p50 / p99   : ${r.requestP50.toFixed(1)} ms / ${r.requestP99.toFixed(1)} ms`);
      console.log(`  checkout latency p50 / p99  : ${r.checkoutP50.toFixed(1)} ms / ${r.checkoutP99.toFixed(1)} ms`);
      console.log(`  largest event-loop stall    : ${r.worstStall === null ? 'n/a' : `${r.worstStall.toFixed(1)} ms`}  (server processes, over the checkout phase)`);
      console.log(`  GET /healthz requests/s     : ${f(r.healthRps)}  (HTTP ceiling of the same server)`);
      console.log(`  load driver CPU             : ${r.driverCores.toFixed(2)} cores`);
      console.log(`  server CPU per checkout     : ${f(r.serverCpuMicros)} µs  (all server processes, outbox runner included)`);
      if (PG_URL) console.log(`  PostgreSQL CPU per checkout : ${f(r.databaseCpuMicros)} µs  (every local postgres process)`);
    }
    if (library) {
      console.log(`library, 16 in flight         : ${f(library.rate)} checkouts/s (${LIBRARY_CHECKOUTS} checkouts), ${f(library.cpuMicros)} µs CPU per checkout`);
      console.log(`HTTP (${one.workers} process(es)) / library : ${((100 * one.rate) / library.rate).toFixed(0)}%  (target on SQLite: 50%)`);
      // Load-independent: what the rate ratio would be if each had its CPU to itself.
      console.log(`library CPU / server CPU      : ${((100 * library.cpuMicros) / one.serverCpuMicros).toFixed(0)}%  (per checkout, ${one.workers} process(es))`);
    }
    if (runs.length > 1) console.log(`2 processes / 1 process       : ${(runs[1]!.rate / one.rate).toFixed(2)}x`);
    const trips = PG_URL ? `, ${counted.roundTrips.toFixed(1)} round trips (${counted.lockedRoundTrips.toFixed(1)} while stock rows are locked)` : '';
    console.log(`per complete checkout, HTTP   : ${counted.statements.toFixed(1)} SQL statements${trips}  (request path, in-process count)`);
    if (library) {
      console.log(
        `per complete checkout, library: ${library.statementsPerCheckout.toFixed(1)} SQL statements${PG_URL ? `, ${library.roundTripsPerCheckout.toFixed(1)} round trips` : ''}`,
      );
    }
    if (library && bound && batchedBound) {
      console.log(`pgbench bound (bench/checkout.sql, 16 clients): ${f(bound.tps)} checkouts/s  (${bound.statements} statements per checkout, as issue 15 listed them)`);
      for (const r of runs) console.log(`HTTP (${r.workers} process(es)) / pgbench bound : ${((100 * r.rate) / bound.tps).toFixed(0)}%  (target 50%)`);
      console.log(`library / pgbench bound       : ${((100 * library.rate) / bound.tps).toFixed(0)}%`);
      console.log(`pgbench, the engine's batched SQL (bench/checkout-batched.sql): ${f(batchedBound.tps)} checkouts/s  (${batchedBound.statements} statements per checkout)`);
      for (const r of runs) console.log(`HTTP (${r.workers} process(es)) / batched bound : ${((100 * r.rate) / batchedBound.tps).toFixed(0)}%`);
    }
    console.log(`stock = ledger, no oversell   : ${broken === 0 ? 'holds' : `BROKEN for ${broken} rows`}`);
    if (runs.some((r) => r.failures > 0) || broken > 0) process.exitCode = 1;
  } finally {
    await db.cleanup();
  }
}

await main();
