/**
 * npm run bench:http — complete shopper checkouts over HTTP. Starts the real server
 * (`storekeeper serve`, BENCH_WORKERS processes) on a fresh file database (or DATABASE_URL for
 * PostgreSQL), registers one account per connection, then drives from this separate process, at
 * BENCH_CONNECTIONS (64) concurrent connections, loops of: add product A, add product B, check out.
 * In the same run it measures the same server's bare GET /healthz as the HTTP ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { EcommercePlatform } from '../src/index.js';
import { freePort } from '../test/scale/serve-process.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const PRODUCTS = 100;

async function database(): Promise<{ url: string; label: string; cleanup: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (base && /^postgres(ql)?:/.test(base)) {
    const schema = `sk_bench_${process.pid}`;
    const u = new URL(base);
    u.searchParams.set('schema', schema);
    return {
      url: u.toString(),
      label: 'PostgreSQL',
      cleanup: async () => {
        const c = new pg.Client({ connectionString: base });
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

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const db = await database();
  const seed = await EcommercePlatform.open(db.url);
  const products: number[] = [];
  for (let i = 0; i < PRODUCTS; i++) products.push(await seed.addProduct({ name: `Bench product ${i}`, priceCents: 500 + i, stock: 100_000_000 }));
  await seed.close();

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = ['bin/storekeeper.js', 'serve', '--port', String(port), '--db', db.url];
  if (WORKERS > 1) args.push('--workers', String(WORKERS));
  // The server measures its own event-loop stalls (bench/loop-monitor.mjs) into this file.
  const loopFile = join(mkdtempSync(join(tmpdir(), 'sk-bench-loop-')), 'loop.txt');
  const monitor = ['--import', new URL('./loop-monitor.mjs', import.meta.url).href];
  const server = spawn(process.execPath, [...monitor, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...args], {
    env: { ...process.env, STORE_DEMO_DATA: 'false', AUTH_RATE_LIMIT_PER_MIN: '1000000', LOG_LEVEL: 'warn', DATABASE_URL: db.url, BENCH_LOOP_FILE: loopFile },
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
          body: JSON.stringify({ email: `shopper${i}.${Date.now()}@bench.example`, name: `Shopper ${i}`, password: 'correct horse battery' }),
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
    const call = async (token: string, path: string, body: unknown, expect: number) => {
      const t = performance.now();
      const r = await pool.request({ path, method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      await r.body.dump();
      requestLatencies.push(performance.now() - t);
      if (r.statusCode !== expect) failures++;
    };
    const until = performance.now() + SECONDS * 1000;
    const windowStart = Date.now();
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      tokens.map(async (token, i) => {
        let n = i;
        while (performance.now() < until) {
          const a = products[n % PRODUCTS]!;
          const b = products[(n * 7 + 3) % PRODUCTS]!;
          const t = performance.now();
          await call(token, '/api/cart/items', { productId: a, quantity: 1 }, 200);
          await call(token, '/api/cart/items', { productId: b === a ? products[(n + 1) % PRODUCTS]! : b, quantity: 1 }, 200);
          await call(token, '/api/orders', {}, 201);
          checkoutLatencies.push(performance.now() - t);
          checkouts++;
          n += CONNECTIONS;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const driverCpu = process.cpuUsage(startCpu);
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
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`${db.label}, ${WORKERS} server process(es), ${CONNECTIONS} connections, ${SECONDS} s`);
    console.log(`complete checkouts/s        : ${f(checkouts / elapsed)}  (${checkouts} checkouts, ${failures} unexpected statuses)`);
    console.log(`requests/s                  : ${f((checkouts * 3) / elapsed)}`);
    console.log(`request latency p50 / p99   : ${pct(requestLatencies, 50).toFixed(1)} ms / ${pct(requestLatencies, 99).toFixed(1)} ms`);
    console.log(`checkout latency p50 / p99  : ${pct(checkoutLatencies, 50).toFixed(1)} ms / ${pct(checkoutLatencies, 99).toFixed(1)} ms`);
    console.log(`GET /healthz requests/s     : ${f(healthRps)}  (HTTP ceiling of the same server)`);
    console.log(`load driver CPU             : ${((driverCpu.user + driverCpu.system) / 1e6 / elapsed).toFixed(2)} cores`);
    const worst = stalls.reduce((m, [, ms]) => Math.max(m, ms), 0);
    console.log(`largest event-loop stall    : ${stalls.length ? `${worst.toFixed(1)} ms` : 'n/a'}  (server processes, monitorEventLoopDelay over the checkout phase)`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await db.cleanup();
  }
}

await main();
