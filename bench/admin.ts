/**
 * npm run bench:admin — the admin panel's list pages at scale: seeds 100,000 products (the
 * `storekeeper seed` generator) and 1,000,000 orders with 100,000 customers (bulk INSERT … SELECT,
 * bench/admin-seed.ts), starts the real server, signs in through the form and requests every list
 * page over HTTP with its filters and a second keyset page. Prints p50/p95 per page; the issue's
 * target is p95 ≤ 300 ms. SQLite by default (a temp file); DATABASE_URL=postgres://… for PostgreSQL.
 * BENCH_ORDERS / BENCH_PRODUCTS / BENCH_ITERATIONS change the sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AuthService } from '../src/auth/service.js';
import { seedCatalog } from '../src/catalog/seed.js';
import { renderTable } from '../src/cli/table.js';
import { isPostgresUrl } from '../src/db/open.js';
import { buildServer } from '../src/http/server.js';
import { EcommercePlatform } from '../src/index.js';
import { DashboardReport } from '../src/reports/dashboard.js';
import { seedOrders } from './admin-seed.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const CUSTOMERS = Math.max(1, Math.floor(ORDERS / 10));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100);

async function target(): Promise<{ url: string; label: string; cleanup: () => Promise<void> }> {
  const env = process.env.DATABASE_URL;
  if (env && isPostgresUrl(env)) {
    const schema = `sk_bench_admin_${Date.now().toString(36)}`;
    const u = new URL(env);
    u.searchParams.set('schema', schema);
    return {
      url: u.toString(),
      label: 'PostgreSQL',
      cleanup: async () => {
        const c = new pg.Client({ connectionString: env });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-admin-'));
  return { url: join(dir, 'admin.db'), label: 'SQLite', cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const db = await target();
const platform = await EcommercePlatform.open(db.url);
try {
  let t = performance.now();
  await seedCatalog(platform, { products: PRODUCTS, batchSize: 10_000 });
  const productMs = performance.now() - t;
  t = performance.now();
  await seedOrders(platform.db, { customers: CUSTOMERS, orders: ORDERS });
  const orderMs = performance.now() - t;
  console.log(`${db.label}: seeded ${PRODUCTS.toLocaleString('en-US')} products in ${(productMs / 1000).toFixed(1)} s, ${ORDERS.toLocaleString('en-US')} orders in ${(orderMs / 1000).toFixed(1)} s`);

  // The dashboard's figures built from scratch (the page serves them for up to 10 s).
  const cold: string[] = [];
  for (const days of [30, 90] as const) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await new DashboardReport(platform.db).build({ days });
      times.push(performance.now() - s);
    }
    cold.push(`${days} days ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms`);
  }
  console.log(`Dashboard built uncached: ${cold.join(', ')}`);

  const app = await buildServer(platform, { logger: false, auth: { scryptCost: 1024 }, authRateLimitPerMin: 1_000_000 });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  await new AuthService(platform.db, { scryptCost: 1024 }).createAdmin({ email: 'bench@example.com', password: 'bench password' });
  const form = await fetch(`${base}/admin/sign-in`);
  const anon = form.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const signedIn = await fetch(`${base}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'bench@example.com', password: 'bench password', next: '/admin' }),
  });
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const get = async (path: string) => {
    const res = await fetch(base + path, { headers: { cookie, 'accept-encoding': 'gzip' } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    return body;
  };
  const firstOrders = await get('/admin/orders');
  const after = /href="\/admin\/orders\?after=([^"]+)"/.exec(firstOrders)?.[1];
  const firstProducts = await get('/admin/products');
  const before = /href="\/admin\/products\?before=(\d+)"/.exec(firstProducts)?.[1];
  const month = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  const monthEnd = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const pages: [string, string][] = [
    ['Dashboard (30 days)', '/admin'],
    ['Dashboard (90 days)', '/admin?days=90'],
    ['Orders', '/admin/orders'],
    ['Orders, page 2', `/admin/orders?after=${after}`],
    ['Orders, status pending', '/admin/orders?status=pending'],
    ['Orders, status shipped + a month', `/admin/orders?status=shipped&from=${month}&to=${monthEnd}`],
    ['Orders, email prefix', '/admin/orders?email=bulk4242'],
    ['Orders, payment partially refunded', '/admin/orders?payment=partially_refunded'],
    ['Orders, payment paid + status shipped', '/admin/orders?payment=paid&status=shipped'],
    ['Orders, payment voided + a month', `/admin/orders?payment=voided&from=${month}&to=${monthEnd}`],
    ['Order detail', `/admin/orders/${Math.ceil(ORDERS / 2)}`],
    ['Products', '/admin/products'],
    ['Products, page 2', `/admin/products?before=${before}`],
    ['Products, low stock', '/admin/products?low=1'],
    ['Customers', '/admin/customers'],
    ['Customers, email prefix', '/admin/customers?q=bulk77'],
    ['Reviews', '/admin/reviews'],
  ];
  const rows: (string | number)[][] = [];
  for (const [label, path] of pages) {
    for (let i = 0; i < 5; i++) await get(path);
    const times: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const s = performance.now();
      await get(path);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    rows.push([label, percentile(times, 50).toFixed(1), percentile(times, 95).toFixed(1), percentile(times, 95) <= 300 ? 'yes' : 'NO']);
  }
  console.log(`\n${db.label}, ${ORDERS.toLocaleString('en-US')} orders, ${PRODUCTS.toLocaleString('en-US')} products, ${ITERATIONS} requests per page, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
  console.log(renderTable(['Page', 'p50 ms', 'p95 ms', 'p95 ≤ 300 ms'], rows));
  await app.close();
} finally {
  await platform.close();
  await db.cleanup();
}
