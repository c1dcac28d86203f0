/**
 * npm run bench:storefront — server time of storefront pages on a 10,000-product catalogue
 * (`storekeeper seed`'s generator): product pages, category listings (with filters, sorts and a
 * second cursor page, some filtered by size: every fifth product has S/M/L variants), search results and the home page, rendered by the real server
 * (in-process requests through Fastify's inject, so the figure is the server's own time: routing,
 * session, services, template, gzip). SQLite file by default; DATABASE_URL=postgres://… adds
 * PostgreSQL. Target (issue 12): product and listing p95 ≤ 50 ms. Prints a Markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { seedCatalog } from '../src/catalog/seed.js';
import { isPostgresUrl } from '../src/db/open.js';
import { buildServer } from '../src/http/server.js';
import { EcommercePlatform } from '../src/index.js';
import { categoryPath } from '../src/storefront/format.js';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 500);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Every fifth product gets a Size option with S, M and L variants (the generator makes default
 * variants only), so listings compute option-value facets over real option data.
 */
async function addSizes(platform: EcommercePlatform): Promise<void> {
  await platform.db.transaction(async (tx) => {
    await tx.run(`UPDATE products SET options = '[{"name":"Size","values":["S","M","L"]}]' WHERE id % 5 = 0`);
    await tx.run(`UPDATE product_variants SET option_values = '{"Size":"M"}', title = 'M', sku = 'BENCH-' || product_id || '-M', is_default = 0 WHERE product_id % 5 = 0`);
    for (const size of ['S', 'L']) {
      await tx.run(
        `INSERT INTO product_variants (product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
         SELECT id, 'BENCH-' || id || '-${size}', '${size}', '{"Size":"${size}"}', NULL, id % 4, NULL, 0, created_at, created_at FROM products WHERE id % 5 = 0`,
      );
    }
    await tx.run('UPDATE products SET stock = (SELECT SUM(stock) FROM product_variants WHERE product_id = products.id) WHERE id % 5 = 0');
  });
}

async function run(label: string, target: string): Promise<string[]> {
  const platform = await EcommercePlatform.open(target);
  const seeded = await seedCatalog(platform, { products: PRODUCTS, seed: 1 });
  await addSizes(platform);
  const app = await buildServer(platform, { logger: false });
  const times: number[] = [];
  app.addHook('onResponse', async (_request, reply) => {
    times.push(reply.elapsedTime);
  });
  await app.ready();
  const ids = (await platform.query('SELECT id FROM products ORDER BY id')).map((r) => Number(r.id));
  let a = 42;
  const pick = <T>(list: readonly T[]): T => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return list[a % list.length]!;
  };
  const sorts = ['', 'price_asc', 'price_desc', 'newest', 'rating'];
  const kinds: Record<string, () => Promise<string>> = {
    product: async () => `/product/${pick(ids)}/x`,
    listing: async () => {
      const url = `${categoryPath(pick(seeded.categories))}?sort=${pick(sorts)}${pick(['', '&inStock=1', '&maxPrice=100', '&option.Size=M', '&option.Size=S&inStock=1'])}`;
      if (pick([0, 1, 2]) !== 0) return url;
      // A second page: follow the first page's cursor.
      const first = await app.inject({ url });
      const next = /rel="next" href="([^"]+)"/.exec(first.body)?.[1];
      return next ? next.replace(/&amp;/g, '&') : url;
    },
    search: async () => `/search?q=${encodeURIComponent(pick(['lamp', 'wire', 'cotton sh', 'desk', 'pro']))}`,
    home: async () => '/',
  };
  const rows: string[] = [];
  for (const [kind, next] of Object.entries(kinds)) {
    const urls = await Promise.all(Array.from({ length: ITERATIONS }, () => next()));
    // Warm-up: first renders compile statements and fill the listing cache as production would be.
    for (const url of urls.slice(0, 50)) await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    times.length = 0;
    for (const url of urls) {
      const res = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
      // Product URLs with a made-up slug redirect once; measure the page itself.
      if (res.statusCode === 301) {
        times.pop();
        await app.inject({ url: String(res.headers.location), headers: { 'accept-encoding': 'gzip' } });
      }
    }
    const sorted = [...times].sort((x, y) => x - y);
    rows.push(`| ${label} | ${kind} | ${sorted.length} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 95).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} |`);
    console.error(rows[rows.length - 1]);
  }
  await app.close();
  await platform.close();
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'sk-bench-shop-'));
const rows: string[] = [];
try {
  rows.push(...(await run('SQLite', join(dir, 'store.db'))));
  const url = process.env.DATABASE_URL;
  if (url && isPostgresUrl(url)) {
    const schema = `bench_shop_${process.pid}`;
    const u = new URL(url);
    u.searchParams.set('schema', schema);
    try {
      rows.push(...(await run('PostgreSQL', u.toString())));
    } finally {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${PRODUCTS} products, ${ITERATIONS} requests per page kind, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}; server time in ms (Fastify reply.elapsedTime)\n`);
console.log('| Backend | Page | Requests | p50 | p95 | p99 |\n|---|---|---|---|---|---|');
console.log(rows.join('\n'));
