/**
 * npm run bench:catalog — listing and search latency on a generated catalog (default 100,000
 * products, `storekeeper seed`'s generator), cached and uncached, on an SQLite file and, when
 * DATABASE_URL is a postgres:// URL, on PostgreSQL too. Prints p50/p99 per case and writes the
 * "Catalog" section of BENCHMARKS.md (BENCH_WRITE=0 to skip). Targets: uncached search p99 < 20 ms,
 * cached listing p99 < 1 ms.
 *
 * Uncached: a SearchService without cache, each page a real query (items + facets).
 * Cached: platform.search(), which reads the catalog version and then serves from memory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { seedCatalog } from '../src/catalog/seed.js';
import { CATEGORIES } from '../src/catalog/seed-words.js';
import { renderTable } from '../src/cli/table.js';
import { isPostgresUrl } from '../src/db/open.js';
import { EcommercePlatform } from '../src/index.js';
import { SearchService, type SearchQuery } from '../src/search/service.js';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
const WRITE = process.env.BENCH_WRITE !== '0';

/** Deterministic pseudo-random picks, so every run measures the same queries. */
function picker(seed: number): <T>(list: readonly T[]) => T {
  let a = seed >>> 0;
  return <T>(list: readonly T[]): T => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return list[a % list.length]!;
  };
}

/** What shoppers type: whole words, prefixes as they type, two words, a brand. */
function searchQueries(n: number): SearchQuery[] {
  const pick = picker(7);
  const sorts = ['relevance', 'relevance', 'relevance', 'price_asc', 'newest', 'rating'] as const;
  return Array.from({ length: n }, (_, i) => {
    const c = pick(CATEGORIES);
    const item = pick(c.items);
    const word = item.split(' ')[0]!;
    const q = [
      word.toLowerCase(),
      word.slice(0, 3).toLowerCase(),
      `${pick(c.qualifiers)} ${word.slice(0, 4)}`,
      pick(c.brands),
      `${pick(c.brands)} ${item}`,
    ][i % 5]!;
    const query: SearchQuery = { q, sort: pick(sorts), limit: 20 };
    if (i % 4 === 1) query.inStock = true;
    if (i % 6 === 2) query.maxPrice = 100;
    if (i % 8 === 3) query.category = c.name;
    return query;
  });
}

/** Browsing: a category or everything, some filters, each sort. */
function listingQueries(n: number): SearchQuery[] {
  const pick = picker(11);
  const sorts = ['newest', 'price_asc', 'price_desc', 'rating'] as const;
  return Array.from({ length: n }, (_, i) => {
    const query: SearchQuery = { sort: pick(sorts), limit: 20 };
    if (i % 3 !== 0) query.category = pick(CATEGORIES).name;
    if (i % 4 === 1) query.inStock = true;
    if (i % 5 === 2) query.minPrice = 20;
    return query;
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Stats {
  p50: number;
  p99: number;
  /** This process's CPU time per query (p50/p99): the in-process SQLite work, which other load on the machine does not inflate. */
  cpu50: number;
  cpu99: number;
}

async function measure(queries: SearchQuery[], run: (q: SearchQuery) => Promise<unknown>): Promise<Stats> {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (const q of queries) {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    await run(q);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), cpu50: percentile(cpuTimes, 50), cpu99: percentile(cpuTimes, 99) };
}

type Row = [backend: string, kind: string, p50: string, p99: string, cpu50: string, cpu99: string, target: string];

async function benchBackend(name: string, url: string): Promise<Row[]> {
  const platform = await EcommercePlatform.open(url);
  try {
    let last = 0;
    process.stdout.write(`${name}: seeding ${PRODUCTS.toLocaleString('en')} products `);
    const seeded = await seedCatalog(platform, {
      products: PRODUCTS,
      onProgress: (done, total) => {
        const step = Math.floor((done / total) * 20);
        if (step > last) {
          process.stdout.write('.'.repeat(step - last));
          last = step;
        }
      },
    });
    console.log(` ${(seeded.ms / 1000).toFixed(1)} s`);
    // Steady state: statistics and the visibility map (index-only scans) as autovacuum would leave them.
    if (platform.db.dialect === 'postgres') await platform.db.run('VACUUM ANALYZE products');
    const uncached = new SearchService(platform.db, null);
    const search = searchQueries(ITERATIONS);
    const listing = listingQueries(ITERATIONS);
    const ms = (x: number) => x.toFixed(3);
    const rows: Row[] = [];
    const add = (kind: string, r: Stats, target: string) => rows.push([name, kind, ms(r.p50), ms(r.p99), ms(r.cpu50), ms(r.cpu99), target]);
    // Warm the statement caches and the page cache once, untimed.
    await measure(search.slice(0, 50), (q) => uncached.search(q));
    await measure(listing.slice(0, 50), (q) => uncached.search(q));
    add('search, uncached', await measure(search, (q) => uncached.search(q)), 'p99 < 20 ms');
    add('listing, uncached', await measure(listing, (q) => uncached.search(q)), '');
    // Cached: each set's distinct queries are loaded once, then the timed pass is served from memory.
    await measure(search, (q) => platform.search(q));
    add('search, cached', await measure(search, (q) => platform.search(q)), '');
    await measure(listing, (q) => platform.search(q));
    add('listing, cached', await measure(listing, (q) => platform.search(q)), 'p99 < 1 ms');
    return rows;
  } finally {
    await platform.close();
  }
}

function writeSection(body: string): void {
  const file = 'BENCHMARKS.md';
  const heading = '## Catalog';
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(`${heading}\n`);
  let next;
  if (start === -1) next = `${current.trimEnd()}\n\n${body}`;
  else {
    const end = current.indexOf('\n## ', start + heading.length);
    next = current.slice(0, start) + body + (end === -1 ? '' : current.slice(end + 1));
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-catalog-'));
  const rows: Row[] = [];
  try {
    rows.push(...(await benchBackend('SQLite', join(dir, 'store.db'))));
    const pgUrl = process.env.DATABASE_URL;
    if (pgUrl && isPostgresUrl(pgUrl)) {
      const schema = `sk_bench_catalog_${process.pid}`;
      const u = new URL(pgUrl);
      u.searchParams.set('schema', schema);
      try {
        rows.push(...(await benchBackend('PostgreSQL', u.toString())));
      } finally {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const table = renderTable(['backend', 'case', 'p50 ms', 'p99 ms', 'CPU p50', 'CPU p99', 'target'], rows);
  const load = `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`;
  console.log(`\n${PRODUCTS.toLocaleString('en')} products, ${ITERATIONS} queries per case, 20 per page, items + facets; ${load}\n`);
  console.log(table);
  if (WRITE) {
    writeSection(
      `## Catalog\n\n` +
        `\`npm run bench:catalog\` (\`DATABASE_URL=postgres://… npm run bench:catalog\` adds PostgreSQL) — ` +
        `${PRODUCTS.toLocaleString('en')} generated products (\`seedCatalog\`), ${ITERATIONS} different queries per case, ` +
        `20 items per page plus category facets; node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${load} while measured.\n` +
        `Uncached: every page is queried (SearchService without cache). Cached: \`platform.search()\`, ` +
        `one catalog-version read then memory. p50/p99: wall-clock ms. CPU p50/p99: this process's CPU ms per query ` +
        `(on SQLite the query work itself, which other load on the machine does not inflate; PostgreSQL's work runs in the server).\n\n\`\`\`\n${table}\n\`\`\`\n`,
    );
    console.log('\nwritten to BENCHMARKS.md (## Catalog)');
  }
}

await main();
