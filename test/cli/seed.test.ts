import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogGenerator, seedCatalog } from '../../src/catalog/seed.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends, openFresh } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { CLI_TIMEOUT, runCli } from './run.js';

describe.each(backends)('storekeeper seed on $name', (backend) => {
  it('--products 500 adds 500 products in several batches; stock equals the ledger', async () => {
    const { url, cleanup } = await backend.create();
    try {
      const { code, stdout, stderr } = await runCli(['seed', '--products', '500', '--batch', '128', '--db', url]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Added 500 products in \d+ categories/);
      const platform = await EcommercePlatform.open(url);
      try {
        const [stats] = await platform.query(
          'SELECT COUNT(*) AS n, COUNT(DISTINCT category) AS categories, MIN(price_cents) AS min_price, SUM(stock) AS stock FROM products',
        );
        expect(Number(stats!.n)).toBe(500);
        expect(Number(stats!.categories)).toBeGreaterThanOrEqual(5);
        expect(Number(stats!.min_price)).toBeGreaterThan(0);
        const [ledger] = await platform.query("SELECT SUM(delta) AS total FROM inventory_movements WHERE reason = 'initial stock'");
        expect(Number(ledger!.total)).toBe(Number(stats!.stock));
        await assertLedgerInvariant(platform);
        // The seeded products are ordinary products for the library.
        const [first] = await platform.getProducts({ limit: 1 });
        expect(first!.name.length).toBeGreaterThan(0);
        expect(first!.description).toContain(first!.name);
        expect(first!.priceCents).toBe(Math.round(first!.price * 100));
      } finally {
        await platform.close();
      }
    } finally {
      await cleanup();
    }
  }, CLI_TIMEOUT);

  it('seedCatalog is deterministic per seed and reports progress after every batch', async () => {
    const { platform, dispose } = await openFresh(backend);
    try {
      const progress: number[] = [];
      const result = await seedCatalog(platform, { products: 250, batchSize: 100, seed: 7, onProgress: (done) => progress.push(done) });
      expect(progress).toEqual([100, 200, 250]);
      expect(result.products).toBe(250);
      const names = (await platform.query('SELECT name FROM products ORDER BY id')).map((r) => r.name);
      const generator = new CatalogGenerator(250, 7);
      expect(names).toEqual(Array.from({ length: 250 }, (_, i) => generator.product(i).name));
      await assertLedgerInvariant(platform);
    } finally {
      await dispose();
    }
  });
});

describe('storekeeper seed arguments', () => {
  it('refuses bad arguments with a message, a non-zero exit, and no database written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-seed-args-'));
    const db = join(dir, 'store.db');
    try {
      const cases: Array<[string[], string]> = [
        [['seed', '--products', 'abc', '--db', db], "option '--products <n>' argument 'abc' is invalid"],
        [['seed', '--products', '0', '--db', db], 'must be a positive integer'],
        [['seed', '--products', '1.5', '--db', db], 'must be a positive integer'],
        [['seed', '--db', db], "required option '--products <n>' not specified"],
        [['seed', '--products', '10', '--batch', 'many', '--db', db], "option '--batch <n>' argument 'many' is invalid"],
      ];
      const results = await Promise.all(cases.map(([args]) => runCli(args)));
      results.forEach(({ code, stderr, stdout }, i) => {
        expect(code, cases[i]![0].join(' ')).not.toBe(0);
        expect(stderr).toContain(cases[i]![1]);
        expect(stdout).not.toContain('Added');
      });
      expect(existsSync(db)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, CLI_TIMEOUT);
});
