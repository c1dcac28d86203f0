import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcommercePlatform, NotFoundError, ValidationError } from '../../src/index.js';
import { loadDemoCatalog } from '../../src/http/demo-catalog.js';
import { hasShippingMethods, quoteShipping, shippingMethodsFor } from '../../src/shipping/service.js';
import { backends } from '../backends.js';
import { expectError, untyped, usePlatform } from '../core/fixture.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

const rows = async (p: EcommercePlatform) => ({
  methods: await p.query('SELECT * FROM shipping_methods ORDER BY id'),
  countries: await p.query('SELECT * FROM shipping_method_countries ORDER BY method_id, country'),
});

describe.each(backends)('shipping methods on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('admin creates, lists and changes methods; quotes per destination, free at or above freeAbove', async () => {
    const p = ctx.platform;
    expect(await hasShippingMethods(p.db)).toBe(false);
    const standard = await p.createShippingMethod({ name: ' Standard ', price: 4.9, countries: ['de', 'AT', 'DE'], freeAbove: 50 });
    expect(standard).toMatchObject({ name: 'Standard', price: 4.9, priceCents: 490, countries: ['AT', 'DE'], freeAbove: 50, freeAboveCents: 5000, active: true });
    const express = await p.createShippingMethod({ name: 'Express', price: 12, countries: ['DE'] });
    expect(express).toMatchObject({ freeAbove: null, freeAboveCents: null });
    const world = await p.createShippingMethod({ name: 'World', price: 25, countries: ['*'] });
    expect(world.countries).toEqual(['*']);
    const hidden = await p.createShippingMethod({ name: 'Pigeon', price: 1, countries: ['*'], active: false });
    expect(await hasShippingMethods(p.db)).toBe(true);
    expect((await p.listShippingMethods()).map((m) => [m.name, m.countries, m.active])).toEqual([
      ['Standard', ['AT', 'DE'], true],
      ['Express', ['DE'], true],
      ['World', ['*'], true],
      ['Pigeon', ['*'], false],
    ]);

    const q = (country: string, subtotal: number) => shippingMethodsFor(p.db, country, subtotal);
    expect(await q('DE', 4999)).toEqual([
      { methodId: standard.id, name: 'Standard', priceCents: 490 },
      { methodId: express.id, name: 'Express', priceCents: 1200 },
      { methodId: world.id, name: 'World', priceCents: 2500 },
    ]);
    expect((await q('de', 5000))[0]).toEqual({ methodId: standard.id, name: 'Standard', priceCents: 0 }); // at the threshold: free
    expect(await q('US', 100_000)).toEqual([{ methodId: world.id, name: 'World', priceCents: 2500 }]);
    expect(await quoteShipping(p.db, standard.id, 'AT', 6000)).toEqual({ methodId: standard.id, name: 'Standard', priceCents: 0 });
    expect(await quoteShipping(p.db, world.id, 'JP', 0)).toEqual({ methodId: world.id, name: 'World', priceCents: 2500 });
    for (const [id, country] of [
      [express.id, 'AT'], // not shipped there
      [hidden.id, 'DE'], // inactive
      [999_999, 'DE'], // unknown
      [0, 'DE'],
    ] as const) {
      const e = await expectError(quoteShipping(p.db, id, country, 0), ValidationError, 'validation_failed', `${id} ${country}`);
      expect(e.details).toEqual([{ path: 'shippingMethodId', message: expect.stringContaining(country) }]);
    }
    await expectError(shippingMethodsFor(p.db, 'XX', 0), ValidationError, 'validation_failed');
    await expectError(shippingMethodsFor(p.db, 'DE', -1), ValidationError, 'validation_failed');

    const moved = await p.updateShippingMethod(express.id, { countries: ['AT', 'CH'], price: 9.99, freeAbove: 100 });
    expect(moved).toMatchObject({ countries: ['AT', 'CH'], priceCents: 999, freeAboveCents: 10_000 });
    expect((await q('DE', 0)).map((m) => m.name)).toEqual(['Standard', 'World']);
    expect((await q('CH', 10_000)).map((m) => [m.name, m.priceCents])).toEqual([
      ['Express', 0],
      ['World', 2500],
    ]);
    expect(await p.updateShippingMethod(express.id, { freeAbove: null, name: 'Express (AT/CH)' })).toMatchObject({ freeAbove: null, name: 'Express (AT/CH)', countries: ['AT', 'CH'] });
    expect((await p.updateShippingMethod(world.id, { countries: ['US'] })).countries).toEqual(['US']);
    expect(await q('JP', 0)).toEqual([]);
    expect((await p.updateShippingMethod(hidden.id, { active: true })).active).toBe(true);
    expect((await q('JP', 0)).map((m) => m.name)).toEqual(['Pigeon']);
    for (const m of await p.listShippingMethods()) await p.updateShippingMethod(m.id, { active: false });
    expect(await hasShippingMethods(p.db)).toBe(false);
    await expectError(p.updateShippingMethod(999_999, { active: true }), NotFoundError, 'not_found');
  });

  it('the demo catalog brings one shipping method and the German VAT rate, loaded once with the products', async () => {
    const p = ctx.platform;
    expect(await loadDemoCatalog(p)).toBeGreaterThan(0);
    expect(await loadDemoCatalog(p)).toBe(0);
    expect((await p.listShippingMethods()).map((m) => [m.name, m.priceCents, m.freeAboveCents, m.countries])).toEqual([['Standard', 490, 5000, ['*']]]);
    expect((await p.listTaxRates()).map((r) => [r.country, r.category, r.ratePercent])).toEqual([['DE', null, 19]]);
  });

  it('bad input (unknown country, mixed "*", bad price) is a validation error and writes nothing', async () => {
    const p = ctx.platform;
    const m = await p.createShippingMethod({ name: 'Standard', price: 5, countries: ['DE'] });
    const before = await rows(p);
    for (const bad of [
      { name: 'X', price: 5, countries: ['XX'] },
      { name: 'X', price: 5, countries: ['DE', 'UK'] },
      { name: 'X', price: 5, countries: ['*', 'DE'] },
      { name: 'X', price: 5, countries: [] },
      { name: 'X', price: 5, countries: 'DE' },
      { name: 'X', price: -1, countries: ['DE'] },
      { name: 'X', price: 4.999, countries: ['DE'] },
      { name: 'X', price: '5', countries: ['DE'] },
      { name: 'X', price: 5, countries: ['DE'], freeAbove: -5 },
      { name: '  ', price: 5, countries: ['DE'] },
      { name: 'X', price: 5, countries: ['DE'], active: 'yes' },
      { name: 'X', price: 5, countries: ['DE'], zone: 'EU' },
      { price: 5, countries: ['DE'] },
    ]) {
      await expectError(p.createShippingMethod(untyped(bad)), ValidationError, 'validation_failed', JSON.stringify(bad));
    }
    for (const patch of [{ countries: ['DE', 'ZZ'] }, { price: 1.001 }, { freeAbove: 'free' }, { unknown: true }]) {
      await expectError(p.updateShippingMethod(m.id, untyped(patch)), ValidationError, 'validation_failed', JSON.stringify(patch));
    }
    expect(await rows(p)).toEqual(before);
  });
});

describe.each(backends)('shipping prices in the shop currency on $name', (backend) => {
  it('a JPY shop takes whole yen and refuses 1.5; a KWD shop keeps three decimals', async () => {
    for (const [code, good, goodMinor, free, freeMinor, bad] of [
      ['JPY', 500, 500, 5000, 5000, 1.5],
      ['KWD', 1.255, 1255, 12.55, 12_550, 1.2555],
    ] as const) {
      const { url, cleanup } = await backend.create();
      const p = await EcommercePlatform.open(url, { currency: code });
      try {
        const m = await p.createShippingMethod({ name: 'Post', price: good, countries: ['JP', 'KW'], freeAbove: free });
        expect(m).toMatchObject({ currency: code, price: good, priceCents: goodMinor, freeAbove: free, freeAboveCents: freeMinor });
        expect(await quoteShipping(p.db, m.id, 'KW', freeMinor - 1)).toMatchObject({ priceCents: goodMinor });
        expect(await quoteShipping(p.db, m.id, 'KW', freeMinor)).toMatchObject({ priceCents: 0 });
        await expectError(p.createShippingMethod({ name: 'Post', price: bad, countries: ['JP'] }), ValidationError, 'validation_failed', `${code} ${bad}`);
        await expectError(p.updateShippingMethod(m.id, { freeAbove: bad }), ValidationError, 'validation_failed', `${code} freeAbove ${bad}`);
        expect(await p.listShippingMethods()).toEqual([m]);
      } finally {
        await p.close();
        await cleanup();
      }
    }
  });
});

describe.each(backends)('shipping methods over HTTP on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => s.close());

  it('admin routes: 201/200, 400 bad input, 404 unknown id, 403 for customers, nothing written on refusal', async () => {
    const admin = await s.admin();
    const shopper = await s.shopper();
    const as = { token: admin.token };
    const created = await s.call('POST', '/api/admin/shipping-methods', { ...as, body: { name: 'Standard', price: 4.9, countries: ['DE', 'at'], freeAbove: 50 } });
    expect(created.status).toBe(201);
    expect(created.body.shippingMethod).toMatchObject({ name: 'Standard', priceCents: 490, countries: ['AT', 'DE'], freeAboveCents: 5000, active: true });
    const id = created.body.shippingMethod.id;
    const before = await rows(s.platform);
    for (const body of [
      { name: 'X', price: 5, countries: ['XX'] },
      { name: 'X', price: 5, countries: ['*', 'DE'] },
      { name: 'X', price: -5, countries: ['DE'] },
      { name: 'X', price: 5.001, countries: ['DE'] },
      { name: 'X', price: '5', countries: ['DE'] },
      { name: 'X', price: 5, countries: ['DEU'] },
      { name: 'X', price: 5, countries: ['DE'], extra: 1 },
    ]) {
      const r = await s.call('POST', '/api/admin/shipping-methods', { ...as, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
    }
    expect((await s.call('POST', '/api/admin/shipping-methods', { token: shopper.token, body: { name: 'Mine', price: 0, countries: ['*'] } })).status).toBe(403);
    expect((await s.call('PATCH', `/api/admin/shipping-methods/${id}`, { ...as, body: { countries: ['QQ'] } })).status).toBe(400);
    const missing = await s.call('PATCH', '/api/admin/shipping-methods/999999', { ...as, body: { active: false } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect(await rows(s.platform)).toEqual(before);

    const patched = await s.call('PATCH', `/api/admin/shipping-methods/${id}`, { ...as, body: { countries: ['*'], active: false, freeAbove: null } });
    expect(patched.status).toBe(200);
    expect(patched.body.shippingMethod).toMatchObject({ countries: ['*'], active: false, freeAbove: null });
    const list = await s.call('GET', '/api/admin/shipping-methods', as);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([patched.body.shippingMethod]);
    expect((await s.call('GET', '/api/admin/shipping-methods', { token: shopper.token })).status).toBe(403);
  });
});
