import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCsv } from '../../src/csv/export.js';
import { PRODUCT_COLUMNS } from '../../src/csv/import.js';
import { StorekeeperError, ValidationError, type EcommercePlatform } from '../../src/index.js';
import { backends, openFresh } from '../backends.js';
import { CLI_TIMEOUT, runCli } from '../cli/run.js';
import { raceProcesses } from '../processes.js';
import { ImportJobs } from '../../src/csv/import-jobs.js';
import { snapshot } from '../core/fixture.js';

const HEADER = PRODUCT_COLUMNS.join(',');

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A CSV row from cells by column name (the rest empty), quoted where needed. */
function row(cells: Partial<Record<(typeof PRODUCT_COLUMNS)[number], string | number>>): string {
  return PRODUCT_COLUMNS.map((c) => {
    const v = cells[c] === undefined ? '' : String(cells[c]);
    return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }).join(',');
}

const file = (...rows: string[]) => `${[HEADER, ...rows].join('\n')}\n`;

async function catalogVersion(platform: EcommercePlatform): Promise<number> {
  const r = await platform.query('SELECT SUM(version) AS v FROM catalog_version');
  return Number(r[0]!.v);
}

async function count(platform: EcommercePlatform, table: string): Promise<number> {
  const r = await platform.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(r[0]!.n);
}

/** Every variant's stock equals the sum of its ledger rows, and every product's the sum of its variants'. */
async function expectLedgerBalanced(platform: EcommercePlatform): Promise<void> {
  const off = await platform.query(
    `SELECT v.id FROM product_variants v LEFT JOIN (SELECT variant_id, SUM(delta) AS s FROM inventory_movements GROUP BY variant_id) m ON m.variant_id = v.id
     WHERE v.stock <> COALESCE(m.s, 0)`,
  );
  expect(off).toEqual([]);
  const products = await platform.query(
    'SELECT p.id FROM products p JOIN (SELECT product_id, SUM(stock) AS s FROM product_variants GROUP BY product_id) v ON v.product_id = p.id WHERE p.stock <> v.s',
  );
  expect(products).toEqual([]);
}

describe.each(backends)('CSV product import on $name', (backend) => {
  let platform: EcommercePlatform;
  let url: string;
  let dispose: () => Promise<void>;
  let mug: number;
  let tee: number;
  beforeAll(async () => {
    ({ platform, url, dispose } = await openFresh(backend));
    mug = await platform.addProduct({ name: 'Mug', priceCents: 1200, stock: 5, category: 'Kitchen' });
    tee = await platform.addProduct({
      name: 'Tee',
      description: 'Cotton, "heavy"\nweight',
      priceCents: 2000,
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'TEE-S', options: { Size: 'S' }, stock: 3 },
        { sku: 'TEE-M', options: { Size: 'M' }, stock: 4, priceCents: 2100 },
      ],
    });
  });
  afterAll(() => dispose());

  const edits = () =>
    file(
      row({ product: mug, name: 'Mug', category: 'Kitchen', price: '13.50', stock: 8 }),
      row({ product: tee, sku: 'TEE-S', name: 'Tee', description: 'Cotton, "heavy"\nweight', price: '20.00', stock: 3, option1_name: 'Size', option1_value: 'S' }),
      row({ product: tee, sku: 'TEE-M', variant_price: '22.00', stock: 9, option1_name: 'Size', option1_value: 'M' }),
      row({ product: tee, sku: 'TEE-L', stock: 2, option1_name: 'Size', option1_value: 'L' }),
      row({ product: 'new-cap', sku: 'CAP-RED', name: 'Cap', description: 'Peaked,\n"classic"', price: '9.99', stock: 10, option1_name: 'Colour', option1_value: 'Red' }),
      row({ product: 'new-cap', sku: 'CAP-BLUE', stock: 0, option1_name: 'Colour', option1_value: 'Blue' }),
      row({ product: 'new-hat', sku: 'HAT-1', name: 'Hat', price: 'twelve', stock: 1 }),
      row({ product: 'new-bag', sku: 'BAG-1', name: 'Bag', price: '30', stock: 4 }),
    );

  it('a dry run reports what would be created, changed and refused, by line number, and writes nothing at all', async () => {
    const before = await snapshot(platform);
    const report = await platform.importProductsCsv(edits(), { dryRun: true });
    expect(await snapshot(platform)).toEqual(before);
    expect(report.dryRun).toBe(true);
    const byLine = new Map(report.lines.map((l) => [l.line, l]));
    expect(byLine.get(2)).toMatchObject({ action: 'update', productId: mug, changes: ['price 12.00 → 13.50', 'stock 5 → 8'] });
    expect(byLine.get(3)).toMatchObject({ action: 'update', productId: tee, changes: ['Size gains L'] });
    // Quoted newlines: the tee's and the cap's descriptions each span two lines of the file.
    expect(byLine.get(5)).toMatchObject({ action: 'update', changes: ['variant price 21.00 → 22.00', 'stock 4 → 9'] });
    expect(byLine.get(6)).toMatchObject({ action: 'create', productId: tee, sku: 'TEE-L' });
    expect(byLine.get(7)).toMatchObject({ action: 'create', sku: 'CAP-RED' });
    expect(byLine.get(9)).toMatchObject({ action: 'create', sku: 'CAP-BLUE' });
    expect(byLine.get(10)).toMatchObject({ action: 'refuse', sku: 'HAT-1', reason: 'price "twelve" is not an amount like 12.50' });
    expect(byLine.get(11)).toMatchObject({ action: 'create', sku: 'BAG-1' });
    expect(report).toMatchObject({ rows: 8, created: 4, updated: 3, unchanged: 0, refused: 1, failed: 0, productsCreated: 2 });
  });

  it('refuses rows for what they are, keeps a product all or nothing, and finds a SKU given twice', async () => {
    const before = await snapshot(platform);
    const report = await platform.importProductsCsv(
      file(
        row({ product: 'a', sku: 'A-1', price: '1.00', stock: 1 }),
        row({ product: 'b', sku: 'B-1', name: 'B', price: '1.999', stock: 1 }),
        row({ product: 'c', sku: 'bad sku', name: 'C', price: '1', stock: 1 }),
        row({ product: 'd', sku: 'D-1', name: 'D', price: '1', stock: -2 }),
        row({ product: 'e', sku: 'E-1', name: 'E', price: '1', option1_name: 'Size', option1_value: 'S' }),
        row({ product: 'e', sku: 'E-2', name: 'E', price: '1', option1_name: 'Size', option1_value: 'S' }),
        row({ product: 'f', sku: 'E-1', name: 'F', price: '1' }),
        row({ product: tee, sku: 'TEE-S', name: 'Tee', option1_name: 'Colour', option1_value: 'Red' }),
        row({ product: mug, sku: 'MUG-2', name: 'Mug', option1_name: 'Size', option1_value: 'S' }),
        'zzz,,Mug',
        row({ product: 'g', name: 'G', price: '1' }),
      ),
      { dryRun: true },
    );
    expect(await snapshot(platform)).toEqual(before);
    const reasons = Object.fromEntries(report.lines.map((l) => [l.line, l.reason]));
    expect(reasons[2]).toBe('name is required for a new product');
    expect(reasons[3]).toBe('price 1.999 has more than 2 decimals (USD)');
    expect(reasons[4]).toMatch(/^sku may contain letters, digits/);
    expect(reasons[5]).toBe('stock "-2" is not a whole number of 0 or more');
    expect(reasons[6]).toBe('not imported: line 7 of the same product is refused');
    expect(reasons[7]).toBe('the options S are also on line 6');
    expect(reasons[8]).toBe('SKU E-1 is also on line 6');
    expect(reasons[9]).toBe('the options must be Size (this row has Colour)');
    expect(reasons[10]).toBe(`product ${mug} has no options; options cannot be added to it by import`);
    expect(reasons[11]).toBe('has 3 cells, the header has 15');
    expect(reasons[12]).toMatch(/^sku is empty; a new variant needs a SKU/);
    expect(report.lines.every((l) => l.action === 'refuse')).toBe(true);
    // Windows line breaks, also inside a quoted cell, and a blank line: lines count as in an editor.
    const crlf = await platform.importProductsCsv(`product,sku,name,description,price\r\nn1,N-1,N,"two\r\nlines",1\r\n\r\nn2,N-2,N2,,x\r\n`, { dryRun: true });
    expect(crlf.lines.map((l) => [l.line, l.action])).toEqual([
      [2, 'create'],
      [5, 'refuse'],
    ]);
    expect(await snapshot(platform)).toEqual(before);
  });

  it('refuses a file that is not CSV, has a wrong header or is too large, before reading the catalog', async () => {
    const before = await snapshot(platform);
    const refused = async (input: string | Uint8Array, message: RegExp, type: abstract new (...args: never[]) => Error = ValidationError) => {
      const e = await platform.importProductsCsv(input).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(type);
      expect((e as Error).message).toMatch(message);
    };
    await refused(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /not a CSV text file/);
    await refused(new Uint8Array([0x70, 0x72, 0x6f, 0xff, 0xfe, 0x0a]), /not UTF-8/);
    await refused('', /empty/);
    await refused('product,sku,colour\n1,A,red\n', /Line 1: unknown column "colour"/);
    await refused('product,name\n1,Mug\n', /the header needs the column sku/);
    await refused('product,sku,sku\n1,A,B\n', /"sku" is there twice/);
    await refused('product,sku\n"1,A\n', /not valid CSV: Quote Not Closed/);
    await refused(`${HEADER}\n${'x'.repeat(10 * 1024 * 1024)}`, /larger than 10 MB/, StorekeeperError);
    expect(await snapshot(platform)).toEqual(before);
  });

  it('applies in batches through the ledger and the price history, bumps the catalog version, and a rerun changes nothing', async () => {
    const version = await catalogVersion(platform);
    const batches: number[] = [];
    const report = await platform.importProductsCsv(edits(), { batchRows: 3, onBatch: (p) => void batches.push(p.done) });
    expect(report).toMatchObject({ dryRun: false, created: 4, updated: 3, refused: 1, failed: 0, productsCreated: 2 });
    expect(report.batches).toBe(4);
    expect(batches).toEqual([1, 2, 3, 4]);
    expect(await catalogVersion(platform)).toBeGreaterThan(version);
    const m = (await platform.getProduct(mug))!;
    expect(m).toMatchObject({ priceCents: 1350, stock: 8 });
    const history = await platform.db.all<Record<string, unknown>>('SELECT old_price_cents, new_price_cents FROM price_history WHERE product_id = ?', [mug]);
    expect(history.map((h) => [Number(h.old_price_cents), Number(h.new_price_cents)])).toEqual([[1200, 1350]]);
    const t = (await platform.getProduct(tee))!;
    expect(t.options).toEqual([{ name: 'Size', values: ['S', 'M', 'L'] }]);
    expect(t.variants.map((v) => [v.sku, v.priceCents, v.stock])).toEqual([
      ['TEE-S', 2000, 3],
      ['TEE-M', 2200, 9],
      ['TEE-L', 2000, 2],
    ]);
    const ledger = await platform.db.all<Record<string, unknown>>("SELECT delta, reason FROM inventory_movements WHERE product_id = ? AND reason = 'csv import' ORDER BY id", [tee]);
    expect(ledger.map((r) => Number(r.delta))).toEqual([5]);
    const caps = await platform.query("SELECT id FROM products WHERE name = 'Cap'");
    expect(caps).toHaveLength(1);
    const cap = (await platform.getProduct(Number(caps[0]!.id)))!;
    expect(cap).toMatchObject({ description: 'Peaked,\n"classic"', priceCents: 999, stock: 10, options: [{ name: 'Colour', values: ['Red', 'Blue'] }] });
    expect(await platform.query("SELECT id FROM products WHERE name = 'Hat'")).toEqual([]);
    await expectLedgerBalanced(platform);

    const products = await count(platform, 'products');
    const variants = await count(platform, 'product_variants');
    const movements = await count(platform, 'inventory_movements');
    const again = await platform.importProductsCsv(edits());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 7, refused: 1 });
    expect([await count(platform, 'products'), await count(platform, 'product_variants'), await count(platform, 'inventory_movements')]).toEqual([
      products,
      variants,
      movements,
    ]);
  });

  it('export → import round-trips: every line of an unedited export is unchanged', async () => {
    const csv = await text(exportCsv(platform.db, 'products', { currency: platform.shop.currency }));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.sku === 'TEE-M')).toMatchObject({ product: String(tee), price: '20.00', variant_price: '22.00', stock: '9', option1_name: 'Size', option1_value: 'M' });
    const before = await snapshot(platform);
    const report = await platform.importProductsCsv(csv);
    expect(report.lines.filter((l) => l.action !== 'unchanged')).toEqual([]);
    expect(report.unchanged).toBe(rows.length);
    expect(await snapshot(platform)).toEqual(before);
  });

  it('a failing batch rolls back only itself; the batches before and after it are kept', async () => {
    // A real failure inside the database on one SKU's insert (the planner cannot foresee it).
    if (backend.name === 'sqlite') {
      await platform.db.run(`CREATE TRIGGER import_boom BEFORE INSERT ON product_variants WHEN NEW.sku = 'BOOM' BEGIN SELECT RAISE(ABORT, 'boom refused by a trigger'); END`);
    } else {
      await platform.db.run(
        `CREATE FUNCTION import_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.sku = 'BOOM' THEN RAISE EXCEPTION 'boom refused by a trigger'; END IF; RETURN NEW; END $$`,
      );
      await platform.db.run('CREATE TRIGGER import_boom BEFORE INSERT ON product_variants FOR EACH ROW EXECUTE FUNCTION import_boom()');
    }
    const stockBefore = (await platform.getProduct(mug))!.stock;
    const report = await platform.importProductsCsv(
      file(
        row({ product: 'p1', sku: 'OK-1', name: 'One', price: '1', stock: 1 }),
        row({ product: mug, name: 'Mug', price: '13.50', stock: stockBefore + 7 }),
        row({ product: 'p3', sku: 'BOOM', name: 'Three', price: '1', stock: 1 }),
        row({ product: 'p4', sku: 'OK-4', name: 'Four', price: '1', stock: 1 }),
      ),
      { batchRows: 2 },
    );
    expect(report.failedBatches).toHaveLength(1);
    expect(report.failedBatches[0]).toMatchObject({ batch: 2, firstLine: 4, lastLine: 5 });
    expect(report.failedBatches[0]!.message).toContain('boom refused by a trigger');
    expect(report.lines.map((l) => l.action)).toEqual(['create', 'update', 'failed', 'failed']);
    expect(await platform.query("SELECT sku FROM product_variants WHERE sku IN ('OK-1', 'BOOM', 'OK-4') ORDER BY sku")).toEqual([{ sku: 'OK-1' }]);
    expect((await platform.getProduct(mug))!.stock).toBe(stockBefore + 7);
    await expectLedgerBalanced(platform);
    await platform.db.run('DROP TRIGGER import_boom' + (backend.name === 'postgres' ? ' ON product_variants' : ''));
  });

  it('two Apply clicks on one import at once (two processes): it is applied once, the other click gets a conflict', { timeout: CLI_TIMEOUT }, async () => {
    const jobs = new ImportJobs(platform.db, platform.shop.currency);
    // Two batches: the claim races, and the import takes long enough for both processes to be running.
    const rows = Array.from({ length: 300 }, (_, i) => row({ product: `race-${i}`, sku: `RACE-${i}`, name: `Race ${i}`, price: '5', stock: 6 }));
    const id = await jobs.dryRun('race.csv', Buffer.from(file(...rows)), null);
    const movements = await count(platform, 'inventory_movements');
    const results = await raceProcesses<string>(new URL('./import-race-worker.ts', import.meta.url).pathname, [
      [url, String(id)],
      [url, String(id)],
    ]);
    expect(results.sort()).toEqual(['applied', 'conflict']);
    expect(await platform.query("SELECT COUNT(*) AS n, SUM(stock) AS s FROM product_variants WHERE sku LIKE 'RACE-%'")).toEqual([{ n: 300, s: 1800 }]);
    expect(await count(platform, 'inventory_movements')).toBe(movements + 300);
    const job = (await jobs.get(id))!;
    expect(job).toMatchObject({ status: 'done', batchesDone: 2, batchesTotal: 2 });
    expect(job.result).toMatchObject({ created: 300, refused: 0, failed: 0 });
    await expect(jobs.start(id, null)).rejects.toThrow('has been applied already');
  });

  it('storekeeper import products FILE --dry-run reports the bad row by line and writes nothing; without it, applies', { timeout: CLI_TIMEOUT }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-import-'));
    try {
      const path = join(dir, 'products.csv');
      writeFileSync(path, file(row({ product: 'new-lamp', sku: 'LAMP-1', name: 'Lamp', price: '45.00', stock: 3 }), row({ product: 'new-x', sku: 'X-1', name: 'X', price: '-1' })));
      const before = await snapshot(platform);
      const dry = await runCli(['import', 'products', path, '--dry-run', '--db', url]);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(2);
      expect(dry.stdout).toContain('Dry run, nothing written: would create 1 line (1 new product), change 0, unchanged 0, refused 1');
      expect(dry.stdout).toMatch(/^\s*3\s+X-1\s+new-x\s+price "-1" is not an amount like 12.50$/m);
      expect(dry.stdout).toMatch(/^\s*2\s+LAMP-1\s+create\s+new product "Lamp" at 45.00/m);
      expect(await snapshot(platform)).toEqual(before);
      const applied = await runCli(['import', 'products', path, '--db', url]);
      expect(applied.code).toBe(2);
      expect(applied.stdout).toContain('Created 1 line (1 new product)');
      expect(await platform.query("SELECT stock FROM products WHERE name = 'Lamp'")).toEqual([{ stock: 3 }]);
      const json = await runCli(['import', 'products', path, '--json', '--db', url]);
      expect(JSON.parse(json.stdout)).toMatchObject({ created: 0, unchanged: 1, refused: 1 });
      const wrong = await runCli(['import', 'orders', path, '--db', url]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('only products can be imported');
      writeFileSync(path, 'name,price\nMug,1\n');
      const header = await runCli(['import', 'products', path, '--dry-run', '--db', url]);
      expect(header.code).toBe(1);
      expect(header.stderr).toContain('error: Line 1: the header needs the columns product, sku');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
