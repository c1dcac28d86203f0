import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type EcommercePlatform } from '../../src/index.js';
import { prng } from '../../src/catalog/seed.js';
import { computeTotals, spreadDiscount, type TotalsInput } from '../../src/tax/compute.js';
import { rateMilli, taxRatesFor, type TaxRate } from '../../src/tax/service.js';
import { backends } from '../backends.js';
import { expectError, untyped, usePlatform } from '../core/fixture.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

const rate = (country: string, ratePercent: number, category: string | null = null, id = 1): TaxRate => ({
  id,
  country,
  ratePercent,
  rateMilli: Math.round(ratePercent * 1000),
  category,
  name: null,
});
const DE = [rate('DE', 19), rate('DE', 7, 'Books', 2)];

describe('computeTotals: the worked example of issue 9', () => {
  const cart = (discountCents: number, pricesIncludeTax: boolean): TotalsInput => ({
    lines: [{ amountCents: 2 * 1000, category: null }],
    discountCents,
    shippingCents: 500,
    rates: [rate('DE', 19)],
    pricesIncludeTax,
  });

  it('net prices, DE 19 %, shipping 5.00, 2 × 10.00: tax 3.80 + 0.95, total 29.75', () => {
    expect(computeTotals(cart(0, false))).toEqual({
      subtotalCents: 2000,
      discountCents: 0,
      shippingCents: 500,
      shippingTaxCents: 95,
      shippingTaxRatePercent: 19,
      taxCents: 475,
      totalCents: 2975,
      lines: [{ discountCents: 0, taxCents: 380, taxRatePercent: 19 }],
    });
  });

  it('with a 10 % code: discount 2.00, tax 3.42 + 0.95, total 27.37', () => {
    expect(computeTotals(cart(200, false))).toEqual({
      subtotalCents: 2000,
      discountCents: 200,
      shippingCents: 500,
      shippingTaxCents: 95,
      shippingTaxRatePercent: 19,
      taxCents: 437,
      totalCents: 2737,
      lines: [{ discountCents: 200, taxCents: 342, taxRatePercent: 19 }],
    });
  });

  it('gross prices, no code: total 25.00, of which tax 3.19 + 0.80', () => {
    expect(computeTotals(cart(0, true))).toEqual({
      subtotalCents: 2000,
      discountCents: 0,
      shippingCents: 500,
      shippingTaxCents: 80,
      shippingTaxRatePercent: 19,
      taxCents: 399,
      totalCents: 2500,
      lines: [{ discountCents: 0, taxCents: 319, taxRatePercent: 19 }],
    });
  });

  it('the same cart as two lines of 10.00 gives the same totals (per-line rounding, no loss)', () => {
    const t = computeTotals({ ...cart(200, false), lines: [{ amountCents: 1000, category: null }, { amountCents: 1000, category: null }] });
    expect(t.lines).toEqual([
      { discountCents: 100, taxCents: 171, taxRatePercent: 19 },
      { discountCents: 100, taxCents: 171, taxRatePercent: 19 },
    ]);
    expect(t).toMatchObject({ taxCents: 437, totalCents: 2737 });
  });
});

describe('computeTotals: rates, rounding and exactness', () => {
  it('a line of a category with its own rate pays it; other lines and shipping the standard rate', () => {
    const t = computeTotals({
      lines: [
        { amountCents: 1999, category: 'Books' },
        { amountCents: 1000, category: 'Toys' },
        { amountCents: 500, category: null },
      ],
      discountCents: 0,
      shippingCents: 490,
      rates: DE,
      pricesIncludeTax: false,
    });
    // 1999 × 7 % = 139.93 → 140; 1000 × 19 % = 190; 500 × 19 % = 95; 490 × 19 % = 93.1 → 93
    expect(t.lines).toEqual([
      { discountCents: 0, taxCents: 140, taxRatePercent: 7 },
      { discountCents: 0, taxCents: 190, taxRatePercent: 19 },
      { discountCents: 0, taxCents: 95, taxRatePercent: 19 },
    ]);
    expect(t).toMatchObject({ shippingTaxCents: 93, taxCents: 518, totalCents: 1999 + 1000 + 500 + 490 + 518 });
  });

  it('no rate for the destination: tax 0; only a category rate: other lines and shipping pay 0', () => {
    const none = computeTotals({ lines: [{ amountCents: 1234, category: 'Books' }], discountCents: 34, shippingCents: 100, rates: [], pricesIncludeTax: false });
    expect(none).toMatchObject({ taxCents: 0, shippingTaxCents: 0, shippingTaxRatePercent: 0, totalCents: 1300, lines: [{ discountCents: 34, taxCents: 0, taxRatePercent: 0 }] });
    const onlyBooks = computeTotals({
      lines: [
        { amountCents: 1000, category: 'Books' },
        { amountCents: 1000, category: null },
      ],
      discountCents: 0,
      shippingCents: 100,
      rates: [rate('US', 7.25, 'Books')],
      pricesIncludeTax: false,
    });
    expect(onlyBooks.lines.map((l) => [l.taxCents, l.taxRatePercent])).toEqual([
      [73, 7.25], // 72.5 → 73: half up
      [0, 0],
    ]);
    expect(onlyBooks.shippingTaxCents).toBe(0);
  });

  it('rounds half up exactly at .5 and keeps three-decimal rates exact', () => {
    const net = (amountCents: number, percent: number) =>
      computeTotals({ lines: [{ amountCents, category: null }], discountCents: 0, shippingCents: 0, rates: [rate('XX', percent)], pricesIncludeTax: false }).taxCents;
    expect(net(50, 1)).toBe(1); // 0.5 → 1
    expect(net(49, 1)).toBe(0); // 0.49 → 0
    expect(net(250, 10)).toBe(25);
    expect(net(5, 10)).toBe(1); // 0.5 → 1
    expect(net(1000, 7.125)).toBe(71); // 71.25 → 71
    expect(net(2000, 7.125)).toBe(143); // 142.5 → 143
    expect(net(1000, 0.001)).toBe(0); // 0.01 → 0
    expect(net(100_000, 0.001)).toBe(1);
    expect(net(1234, 100)).toBe(1234);
    expect(net(1234, 0)).toBe(0);
    const gross = (amountCents: number, percent: number) =>
      computeTotals({ lines: [{ amountCents, category: null }], discountCents: 0, shippingCents: 0, rates: [rate('XX', percent)], pricesIncludeTax: true });
    expect(gross(119, 19)).toMatchObject({ taxCents: 19, totalCents: 119 });
    expect(gross(1190, 19)).toMatchObject({ taxCents: 190, totalCents: 1190 });
    expect(gross(200, 100)).toMatchObject({ taxCents: 100, totalCents: 200 }); // a / 2
    expect(gross(3, 100)).toMatchObject({ taxCents: 2, totalCents: 3 }); // 1.5 → 2
  });

  it('amounts whose products pass 2^53 stay exact (BigInt inside)', () => {
    const amount = 9_007_199_254_740_000; // just under 2^53
    const t = computeTotals({ lines: [{ amountCents: amount, category: null }], discountCents: 0, shippingCents: 0, rates: [rate('DE', 19.999)], pricesIncludeTax: true });
    const expected = (2n * BigInt(amount) * 19_999n + 119_999n) / (2n * 119_999n);
    expect(BigInt(t.taxCents)).toBe(expected);
    expect(spreadDiscount([amount, 1], amount)).toEqual([amount, 0]);
    expect(spreadDiscount([3_000_000_000_000, 3_000_000_000_001], 5_000_000_000_001)).toEqual([2_500_000_000_000, 2_500_000_000_001]); // products near 1.5e25; floors 2.5e12 each, +1 to the larger
  });

  it('refuses malformed input with a validation error instead of a wrong total', () => {
    const base: TotalsInput = { lines: [{ amountCents: 100, category: null }], discountCents: 0, shippingCents: 0, rates: [], pricesIncludeTax: false };
    for (const bad of [
      { ...base, discountCents: 101 },
      { ...base, discountCents: -1 },
      { ...base, shippingCents: 1.5 },
      { ...base, lines: [{ amountCents: -5, category: null }] },
      { ...base, lines: [{ amountCents: Number.MAX_SAFE_INTEGER, category: null }, { amountCents: 2, category: null }] },
      { ...base, rates: [{ ...rate('DE', 19), rateMilli: 100_001 }] },
      { ...base, rates: [{ ...rate('DE', 19), rateMilli: 19.5 }] },
    ]) {
      expect(() => computeTotals(bad), JSON.stringify(bad)).toThrow(ValidationError);
    }
    expect(() => spreadDiscount([1, 2], 4)).toThrow(ValidationError);
    expect(() => spreadDiscount([], 1)).toThrow(ValidationError);
    expect(spreadDiscount([], 0)).toEqual([]);
    expect(spreadDiscount([0, 0], 0)).toEqual([0, 0]);
  });
});

describe('spreadDiscount', () => {
  it('in proportion to the amounts, the remainder to the largest line (the first of equal ones)', () => {
    expect(spreadDiscount([1000, 1000], 200)).toEqual([100, 100]);
    expect(spreadDiscount([1000, 2000, 3000], 100)).toEqual([16, 33, 51]); // floors 16, 33, 50; +1 to the 3000 line
    expect(spreadDiscount([500, 500, 500], 100)).toEqual([34, 33, 33]);
    expect(spreadDiscount([999, 1], 999)).toEqual([999, 0]);
    expect(spreadDiscount([1999, 0, 1], 2000)).toEqual([1999, 0, 1]);
  });

  it('never gives a line more than its amount, even when the remainder does not fit on the largest line', () => {
    expect(spreadDiscount([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(spreadDiscount([2, 1, 1, 1], 4)).toEqual([2, 1, 1, 0]);
    expect(spreadDiscount([1, 1, 1], 3)).toEqual([1, 1, 1]);
  });

  it('property: 5000 random carts from a seeded PRNG: shares add up, never negative, never above the line; totals identity holds', () => {
    const seed = 20261201;
    const random = prng(seed);
    const int = (max: number) => Math.floor(random() * (max + 1));
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length - 1)]!;
    const categories = [null, 'Books', 'Food', 'Toys'] as const;
    for (let c = 0; c < 5000; c++) {
      const scale = pick([3, 100, 10_000, 1_000_000, 1_000_000_000_000]);
      const lines = Array.from({ length: 1 + int(7) }, () => ({ amountCents: int(scale), category: pick(categories) }));
      const subtotal = lines.reduce((s, l) => s + l.amountCents, 0);
      const discountCents = int(subtotal);
      const rates: TaxRate[] = [];
      if (random() < 0.8) rates.push({ ...rate('DE', 0), rateMilli: int(100_000) });
      for (const cat of ['Books', 'Food']) if (random() < 0.5) rates.push({ ...rate('DE', 0, cat), rateMilli: int(100_000) });
      const input: TotalsInput = { lines, discountCents, shippingCents: int(2000), rates, pricesIncludeTax: random() < 0.5 };
      const label = `seed ${seed}, cart ${c}: ${JSON.stringify(input)}`;
      const t = computeTotals(input);

      const shares = t.lines.map((l) => l.discountCents);
      expect(shares.reduce((s, x) => s + x, 0), label).toBe(discountCents);
      shares.forEach((share, i) => {
        expect(share, label).toBeGreaterThanOrEqual(0);
        expect(share, label).toBeLessThanOrEqual(lines[i]!.amountCents);
        // Proportional: at least the floor of the exact share.
        if (subtotal > 0) expect(BigInt(share) >= (BigInt(lines[i]!.amountCents) * BigInt(discountCents)) / BigInt(subtotal), label).toBe(true);
      });
      expect(spreadDiscount(lines.map((l) => l.amountCents), discountCents), label).toEqual(shares);

      const standard = rates.find((r) => r.category === null)?.rateMilli ?? 0;
      const halfUp = (tax: number, amount: number, milli: number) => {
        // tax = round-half-up(amount × r / d) ⇔ 2·tax·d ≤ 2·amount·r + d < 2·(tax + 1)·d
        const num = BigInt(amount) * BigInt(milli);
        const den = input.pricesIncludeTax ? 100_000n + BigInt(milli) : 100_000n;
        return 2n * BigInt(tax) * den <= 2n * num + den && 2n * num + den < 2n * (BigInt(tax) + 1n) * den;
      };
      t.lines.forEach((l, i) => {
        const line = lines[i]!;
        const milli = rates.find((r) => r.category !== null && r.category === line.category)?.rateMilli ?? standard;
        expect(l.taxRatePercent, label).toBe(milli / 1000);
        expect(l.taxCents, label).toBeGreaterThanOrEqual(0);
        expect(halfUp(l.taxCents, line.amountCents - l.discountCents, milli), label).toBe(true);
      });
      expect(halfUp(t.shippingTaxCents, input.shippingCents, standard), label).toBe(true);
      expect(t.taxCents, label).toBe(t.lines.reduce((s, l) => s + l.taxCents, 0) + t.shippingTaxCents);
      expect(t.subtotalCents, label).toBe(subtotal);
      expect(t.totalCents, label).toBe(subtotal - discountCents + input.shippingCents + (input.pricesIncludeTax ? 0 : t.taxCents));
    }
  });
});

describe('rateMilli', () => {
  it('converts percents with up to three decimals exactly and refuses the rest', () => {
    expect([19, 7.5, 0.125, 0, 100, 12.345, 0.001].map((p) => rateMilli(p))).toEqual([19_000, 7_500, 125, 0, 100_000, 12_345, 1]);
    for (const bad of [-1, 100.001, 7.1234, 0.1 + 0.2, Number.NaN, Infinity, '19', null, 1e-7]) {
      expect(() => rateMilli(bad), String(bad)).toThrow(ValidationError);
    }
  });
});

describe.each(backends)('tax rates on $name', (backend) => {
  const ctx = usePlatform(backend);
  const count = async (p: EcommercePlatform) => Number((await p.query('SELECT COUNT(*) AS n FROM tax_rates'))[0]!.n);

  it('admin creates, lists, changes and deletes rates; one standard rate per country and one per category (409)', async () => {
    const p = ctx.platform;
    const de = await p.createTaxRate({ country: 'de', ratePercent: 19, name: 'MwSt' });
    expect(de).toEqual({ id: de.id, country: 'DE', ratePercent: 19, rateMilli: 19_000, category: null, name: 'MwSt' });
    const books = await p.createTaxRate({ country: 'DE', ratePercent: 7, category: 'Books' });
    const fr = await p.createTaxRate({ country: 'FR', ratePercent: 5.5, category: ' Books ' });
    expect(fr).toMatchObject({ rateMilli: 5_500, category: 'Books', name: null });
    await expectError(p.createTaxRate({ country: 'DE', ratePercent: 16 }), ConflictError, 'conflict', 'second standard rate');
    await expectError(p.createTaxRate({ country: 'DE', ratePercent: 5, category: 'Books' }), ConflictError, 'conflict', 'second Books rate');
    await expectError(p.updateTaxRate(fr.id, { country: 'DE' }), ConflictError, 'conflict', 'moved onto a taken slot');
    await expectError(p.updateTaxRate(books.id, { category: null }), ConflictError, 'conflict', 'category rate made standard');
    expect(await count(p)).toBe(3);

    expect((await taxRatesFor(p.db, 'DE')).map((r) => [r.category, r.rateMilli])).toEqual([
      [null, 19_000],
      ['Books', 7_000],
    ]);
    expect(await taxRatesFor(p.db, 'US')).toEqual([]);
    expect((await p.listTaxRates()).map((r) => `${r.country}/${r.category ?? '-'}`)).toEqual(['DE/-', 'DE/Books', 'FR/Books']);

    expect(await p.updateTaxRate(books.id, { ratePercent: 7.125, name: 'reduced' })).toMatchObject({ ratePercent: 7.125, rateMilli: 7_125, name: 'reduced', category: 'Books' });
    expect(await p.updateTaxRate(fr.id, { category: null })).toMatchObject({ country: 'FR', category: null });
    await p.removeTaxRate(books.id);
    await expectError(p.removeTaxRate(books.id), NotFoundError, 'not_found');
    await expectError(p.updateTaxRate(books.id, { ratePercent: 1 }), NotFoundError, 'not_found');
    // The slot is free again.
    expect(await p.createTaxRate({ country: 'DE', ratePercent: 7, category: 'Books' })).toMatchObject({ category: 'Books' });
  });

  it('10 concurrent creates of the same standard rate behind one start barrier: one rate, nine clean 409s', async () => {
    const p = ctx.platform;
    let open!: () => void;
    const barrier = new Promise<void>((resolve) => (open = resolve));
    const racers = Array.from({ length: 10 }, async (_, i) => {
      await barrier;
      return p.createTaxRate({ country: 'NL', ratePercent: 21, name: `racer ${i}` });
    });
    open();
    const results = await Promise.allSettled(racers);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(failures).toHaveLength(9);
    for (const e of failures) expect(e).toBeInstanceOf(ConflictError);
    expect(await count(p)).toBe(1);
  });

  it('bad input is a validation error and writes nothing', async () => {
    const p = ctx.platform;
    const ok = await p.createTaxRate({ country: 'AT', ratePercent: 20 });
    for (const bad of [
      { country: 'XX', ratePercent: 19 },
      { country: 'UK', ratePercent: 20 },
      { country: 'DEU', ratePercent: 19 },
      { country: 'IT', ratePercent: -1 },
      { country: 'IT', ratePercent: 100.5 },
      { country: 'IT', ratePercent: 7.1234 },
      { country: 'IT', ratePercent: '22' },
      { country: 'IT' },
      { country: 'IT', ratePercent: 22, category: 'x'.repeat(101) },
      { country: 'IT', ratePercent: 22, rate: 22 },
    ]) {
      await expectError(p.createTaxRate(untyped(bad)), ValidationError, 'validation_failed', JSON.stringify(bad));
    }
    for (const patch of [{ country: 'ZZ' }, { ratePercent: -0.5 }, { ratePercent: 1.0001 }, { bogus: 1 }]) {
      await expectError(p.updateTaxRate(ok.id, untyped(patch)), ValidationError, 'validation_failed', JSON.stringify(patch));
    }
    await expectError(taxRatesFor(p.db, 'EU'), ValidationError, 'validation_failed');
    expect(await p.listTaxRates()).toEqual([ok]);
  });
});

describe.each(backends)('tax rates over HTTP on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => s.close());

  it('admin routes: 201/200/204, 400 on bad input, 404 unknown id, 409 duplicate, 403 for customers; errors in the usual shape', async () => {
    const admin = await s.admin();
    const shopper = await s.shopper();
    const as = { token: admin.token };
    const created = await s.call('POST', '/api/admin/tax-rates', { ...as, body: { country: 'DE', ratePercent: 19, name: 'VAT' } });
    expect(created.status).toBe(201);
    expect(created.body.taxRate).toEqual({ id: created.body.taxRate.id, country: 'DE', ratePercent: 19, rateMilli: 19_000, category: null, name: 'VAT' });
    const id = created.body.taxRate.id;
    const dup = await s.call('POST', '/api/admin/tax-rates', { ...as, body: { country: 'de', ratePercent: 16 } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'conflict', details: { country: 'DE', category: null } });
    for (const body of [
      { country: 'XX', ratePercent: 19 },
      { country: 'DE', ratePercent: -1 },
      { country: 'DE', ratePercent: 7.1234, category: 'Books' },
      { country: 'DE', ratePercent: '7', category: 'Books' },
      { country: 'DE', ratePercent: 7, category: 'Books', extra: 1 },
    ]) {
      const r = await s.call('POST', '/api/admin/tax-rates', { ...as, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(typeof r.body.error.message).toBe('string');
    }
    expect((await s.call('POST', '/api/admin/tax-rates', { token: shopper.token, body: { country: 'DE', ratePercent: 7, category: 'Books' } })).status).toBe(403);
    expect((await s.call('GET', '/api/admin/tax-rates', { token: shopper.token })).status).toBe(403);
    const list = await s.call('GET', '/api/admin/tax-rates', as);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([created.body.taxRate]);

    const patched = await s.call('PATCH', `/api/admin/tax-rates/${id}`, { ...as, body: { ratePercent: 7.5, category: 'Books' } });
    expect(patched.status).toBe(200);
    expect(patched.body.taxRate).toMatchObject({ ratePercent: 7.5, rateMilli: 7_500, category: 'Books' });
    expect((await s.call('PATCH', `/api/admin/tax-rates/${id}`, { ...as, body: { ratePercent: 101 } })).status).toBe(400);
    expect((await s.call('PATCH', `/api/admin/tax-rates/999999`, { ...as, body: { ratePercent: 1 } })).status).toBe(404);
    expect((await s.call('DELETE', `/api/admin/tax-rates/${id}`, as)).status).toBe(204);
    const gone = await s.call('DELETE', `/api/admin/tax-rates/${id}`, as);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    expect((await s.call('GET', '/api/admin/tax-rates', as)).body.items).toEqual([]);
  });
});
