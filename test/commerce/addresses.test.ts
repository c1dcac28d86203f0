import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type EcommercePlatform } from '../../src/index.js';
import { parseAddress } from '../../src/addresses/address.js';
import { MAX_ADDRESSES, readAddress } from '../../src/addresses/service.js';
import { COUNTRIES, countryName, isCountryCode } from '../../src/geo/countries.js';
import { backends } from '../backends.js';
import { expectError, untyped, usePlatform } from '../core/fixture.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

const home = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const work = { name: 'Ada Lovelace', line1: 'Marienplatz 8', line2: '3. OG', city: 'München', region: 'Bayern', postalCode: '80331', country: 'de', phone: '+49 89 123' };

describe('the ISO 3166-1 country list', () => {
  it('has the 249 assigned alpha-2 codes, unique and sorted, with English names', () => {
    expect(COUNTRIES).toHaveLength(249);
    const codes = COUNTRIES.map((c) => c.code);
    expect(new Set(codes).size).toBe(249);
    expect([...codes].sort()).toEqual(codes);
    for (const c of COUNTRIES) expect(c.code).toMatch(/^[A-Z]{2}$/);
    expect(['DE', 'GB', 'US', 'JP', 'AX', 'SS', 'CW'].every(isCountryCode)).toBe(true);
    // Reserved, exceptional, withdrawn or user-assigned codes are not countries.
    for (const code of ['UK', 'EU', 'XK', 'AN', 'SU', 'YU', 'ZZ', 'de', 'D', 'DEU', '']) expect(isCountryCode(code), code).toBe(false);
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('CI')).toBe("Côte d'Ivoire");
    expect(countryName('GB')).toBe('United Kingdom of Great Britain and Northern Ireland');
  });
});

describe('parseAddress', () => {
  it('trims, upper-cases the country and turns empty optional fields into null', () => {
    expect(parseAddress({ ...home, name: '  Ada Lovelace ', country: ' gb', line2: '', phone: null })).toEqual({
      name: 'Ada Lovelace',
      line1: '12 St James Square',
      line2: null,
      city: 'London',
      region: null,
      postalCode: 'SW1Y 4JH',
      country: 'GB',
      phone: null,
    });
  });

  it('reports every problem at once, with paths under the given prefix; unknown country → validation_failed', () => {
    let caught: unknown;
    try {
      parseAddress({ name: '', line1: 'x'.repeat(201), city: 'Paris', postalCode: 75001, country: 'FX', zip: '1' }, 'shippingAddress');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const e = caught as ValidationError;
    expect(e.code).toBe('validation_failed');
    expect(e.details.map((d) => d.path).sort()).toEqual([
      'shippingAddress.country',
      'shippingAddress.line1',
      'shippingAddress.name',
      'shippingAddress.postalCode',
      'shippingAddress.zip',
    ]);
    expect(() => parseAddress({ ...home, country: 'XX' })).toThrow(expect.objectContaining({ details: [{ path: 'country', message: expect.any(String) }] }));
    expect(() => parseAddress({ ...home, city: 'Lon\u0000don' })).toThrow(ValidationError);
    expect(() => parseAddress('12 Main St', 'billingAddress')).toThrow(expect.objectContaining({ details: [{ path: 'billingAddress', message: 'must be an object' }] }));
    expect(() => parseAddress(null)).toThrow(ValidationError);
    const { postalCode: _postalCode, ...noPostcode } = home;
    expect(() => parseAddress(noPostcode)).toThrow(expect.objectContaining({ details: [{ path: 'postalCode', message: 'is required' }] }));
  });
});

describe.each(backends)('the address book on $name', (backend) => {
  const ctx = usePlatform(backend);
  let n = 0;
  const customer = (p: EcommercePlatform) => p.createCustomer({ email: `a${n++}@example.com`, name: 'Ada' });
  const defaults = async (p: EcommercePlatform, c: number) =>
    (await p.db.all<{ id: number }>('SELECT id FROM addresses WHERE customer_id = ? AND is_default = 1', [c])).map((r) => Number(r.id));

  it('adds, lists (default first), changes and removes; one default at most, moved atomically', async () => {
    const p = ctx.platform;
    const ada = await customer(p);
    const a = await p.addAddress(ada, home);
    expect(a).toMatchObject({ ...home, line2: null, region: null, phone: null, isDefault: false });
    const b = await p.addAddress(ada, { ...work, isDefault: true });
    expect(b).toMatchObject({ country: 'DE', city: 'München', isDefault: true });
    const c = await p.addAddress(ada, { ...home, line1: '1 Other Road', isDefault: true });
    expect((await p.listAddresses(ada)).map((x) => [x.id, x.isDefault])).toEqual([
      [c.id, true],
      [a.id, false],
      [b.id, false],
    ]);
    const moved = await p.updateAddress(ada, a.id, { isDefault: true, line2: 'Flat 2', country: 'ie' });
    expect(moved).toMatchObject({ isDefault: true, line2: 'Flat 2', country: 'IE', line1: home.line1 });
    expect(await defaults(p, ada)).toEqual([a.id]);
    expect(await p.updateAddress(ada, a.id, { line2: null })).toMatchObject({ line2: null, isDefault: true });
    expect(await p.updateAddress(ada, a.id, { isDefault: false })).toMatchObject({ isDefault: false });
    expect(await defaults(p, ada)).toEqual([]);
    expect(await readAddress(p.db, ada, b.id)).toMatchObject({ id: b.id, city: 'München' });
    await p.removeAddress(ada, b.id);
    await expectError(p.removeAddress(ada, b.id), NotFoundError, 'not_found');
    expect((await p.listAddresses(ada)).map((x) => x.id)).toEqual([a.id, c.id]);
  });

  it("another customer's address is a 404 for every call, exactly like one that does not exist", async () => {
    const p = ctx.platform;
    const [ada, bob] = [await customer(p), await customer(p)];
    const mine = await p.addAddress(ada, { ...home, isDefault: true });
    await expectError(readAddress(p.db, bob, mine.id), NotFoundError, 'not_found');
    await expectError(p.updateAddress(bob, mine.id, { city: 'Elsewhere' }), NotFoundError, 'not_found');
    await expectError(p.updateAddress(bob, mine.id, { isDefault: true }), NotFoundError, 'not_found');
    await expectError(p.removeAddress(bob, mine.id), NotFoundError, 'not_found');
    await expectError(p.updateAddress(bob, 999_999, { city: 'X' }), NotFoundError, 'not_found');
    expect(await p.listAddresses(bob)).toEqual([]);
    expect(await p.listAddresses(ada)).toEqual([mine]);
    await expectError(p.listAddresses(999_999), NotFoundError, 'not_found');
    await expectError(p.addAddress(999_999, home), NotFoundError, 'not_found');
  });

  it('bad input writes nothing; the book holds at most 50 addresses (409)', async () => {
    const p = ctx.platform;
    const ada = await customer(p);
    const kept = await p.addAddress(ada, home);
    for (const bad of [
      { ...home, country: 'XX' },
      { ...home, country: 'UK' },
      { ...home, name: '   ' },
      { ...home, postalCode: 'x'.repeat(21) },
      { ...home, isDefault: 'yes' },
      { ...home, street: 'extra' },
      { name: 'Only a name' },
    ]) {
      await expectError(p.addAddress(ada, untyped(bad)), ValidationError, 'validation_failed', JSON.stringify(bad));
    }
    for (const patch of [{ country: 'ZZ' }, { line1: '' }, { city: null }, { isDefault: 1 }, { zip: '1' }]) {
      await expectError(p.updateAddress(ada, kept.id, untyped(patch)), ValidationError, 'validation_failed', JSON.stringify(patch));
    }
    expect(await p.listAddresses(ada)).toEqual([kept]);

    for (let i = 1; i < MAX_ADDRESSES; i++) await p.addAddress(ada, { ...home, line1: `${i} Street` });
    const full = await expectError(p.addAddress(ada, { ...home, isDefault: true }), ConflictError, 'conflict');
    expect(full.details).toEqual({ limit: MAX_ADDRESSES });
    expect(await p.listAddresses(ada)).toHaveLength(MAX_ADDRESSES);
    expect(await defaults(p, ada)).toEqual([]);
  });

  it('20 concurrent "make this my default" calls, released by one start barrier, leave exactly one default', async () => {
    const p = ctx.platform;
    const ada = await customer(p);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await p.addAddress(ada, { ...home, line1: `${i} Road`, isDefault: i === 0 })).id);
    let open!: () => void;
    const barrier = new Promise<void>((resolve) => (open = resolve));
    const racers = ids.map(async (id) => {
      await barrier;
      return p.updateAddress(ada, id, { isDefault: true });
    });
    open();
    const results = await Promise.all(racers);
    expect(results.every((r) => r.isDefault)).toBe(true);
    const left = await defaults(p, ada);
    expect(left).toHaveLength(1);
    expect(ids).toContain(left[0]);
    expect((await p.listAddresses(ada)).filter((a) => a.isDefault).map((a) => a.id)).toEqual(left);
  });
});

describe.each(backends)('the address book over HTTP on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => s.close());

  it('GET/POST/PATCH/DELETE /api/me/addresses: own addresses only, 401 anonymous, 400 bad input, 404 foreign', async () => {
    const [ada, bob] = [await s.shopper('Ada'), await s.shopper('Bob')];
    const created = await s.call('POST', '/api/me/addresses', { token: ada.token, body: { ...work, isDefault: true } });
    expect(created.status).toBe(201);
    expect(created.body.address).toMatchObject({ ...work, country: 'DE', isDefault: true });
    const id = created.body.address.id;
    const second = await s.call('POST', '/api/me/addresses', { token: ada.token, body: home });
    expect(second.body.address).toMatchObject({ isDefault: false, line2: null });
    expect((await s.call('GET', '/api/me/addresses')).status).toBe(401);
    expect((await s.call('POST', '/api/me/addresses', { body: home })).status).toBe(401);

    const count = async () => Number((await s.platform.query('SELECT COUNT(*) AS n FROM addresses'))[0]!.n);
    for (const body of [{ ...home, country: 'XX' }, { ...home, country: 'DEU' }, { ...home, postalCode: 12345 }, { ...home, floor: 3 }, { ...home, name: ' ' }]) {
      const r = await s.call('POST', '/api/me/addresses', { token: ada.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
    }
    expect(await count()).toBe(2);

    expect((await s.call('GET', '/api/me/addresses', { token: bob.token })).body.items).toEqual([]);
    for (const [method, body] of [
      ['PATCH', { city: 'Mine now' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await s.call(method, `/api/me/addresses/${id}`, { token: bob.token, body });
      expect(r.status, method).toBe(404);
      expect(r.body.error.code).toBe('not_found');
      expect(JSON.stringify(r.body)).not.toContain('München');
    }

    const patched = await s.call('PATCH', `/api/me/addresses/${second.body.address.id}`, { token: ada.token, body: { isDefault: true, phone: '+44 20 7946 0000' } });
    expect(patched.status).toBe(200);
    expect(patched.body.address).toMatchObject({ isDefault: true, phone: '+44 20 7946 0000' });
    expect((await s.call('PATCH', `/api/me/addresses/${id}`, { token: ada.token, body: { country: 'QQ' } })).status).toBe(400);
    const list = await s.call('GET', '/api/me/addresses', { token: ada.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: number; isDefault: boolean }) => [a.id, a.isDefault])).toEqual([
      [second.body.address.id, true],
      [id, false],
    ]);
    expect((await s.call('DELETE', `/api/me/addresses/${id}`, { token: ada.token })).status).toBe(204);
    expect((await s.call('DELETE', `/api/me/addresses/${id}`, { token: ada.token })).status).toBe(404);
    expect((await s.call('GET', '/api/me/addresses', { token: ada.token })).body.items).toHaveLength(1);
  });
});
