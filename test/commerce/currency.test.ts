import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, CURRENCIES, EcommercePlatform, toMinor, fromMinor, currency, ValidationError } from '../../src/index.js';
import { backends, type Backend } from '../backends.js';
import { expectError } from '../core/fixture.js';

describe('the currency table', () => {
  it('has the ISO 4217 minor units and converts exactly', () => {
    expect(CURRENCIES.JPY).toBe(0);
    expect(CURRENCIES.USD).toBe(2);
    expect(CURRENCIES.EUR).toBe(2);
    expect(CURRENCIES.KWD).toBe(3);
    expect(CURRENCIES.BHD).toBe(3);
    expect(CURRENCIES.CLF).toBe(4);
    expect(Object.keys(CURRENCIES).length).toBeGreaterThan(150);
    expect(toMinor(1.255, 'price', currency('KWD'))).toBe(1255);
    expect(toMinor(1500, 'price', currency('jpy'))).toBe(1500);
    // 0.1 + 0.2 is 0.30000000000000004 in binary: more decimals than EUR has, refused rather than rounded.
    expect(() => toMinor(0.1 + 0.2, 'price', currency('EUR'))).toThrow(ValidationError);
    expect(toMinor(0.3, 'price', currency('EUR'))).toBe(30);
    expect(() => toMinor(1.5, 'price', currency('JPY'))).toThrow(ValidationError);
    expect(() => toMinor(1.2555, 'price', currency('KWD'))).toThrow(/at most 3 decimals/);
    expect(fromMinor(1255, currency('KWD'))).toBe(1.255);
    expect(fromMinor(1500, currency('JPY'))).toBe(1500);
    expect(() => currency('XAU')).toThrow(ValidationError);
    expect(() => currency('ABC')).toThrow(ValidationError);
  });
});

describe.each(backends)('the shop currency on $name', (backend: Backend) => {
  const opened: EcommercePlatform[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
    for (const c of cleanups.splice(0)) await c();
  });
  const fresh = async () => {
    const { url, cleanup } = await backend.create();
    cleanups.push(cleanup);
    return url;
  };
  const open = async (url: string, options: { currency?: string; pricesIncludeTax?: boolean } = {}) => {
    const p = await EcommercePlatform.open(url, options);
    opened.push(p);
    return p;
  };

  it('a JPY shop refuses 1.5 and takes whole yen; a KWD shop accepts 1.255; amounts carry the currency', async () => {
    const jpy = await open(await fresh(), { currency: 'JPY' });
    expect(jpy.shop.currency).toEqual({ code: 'JPY', decimals: 0 });
    const refused = await expectError(jpy.addProduct({ name: 'Tea', price: 1.5, stock: 1 }), ValidationError, 'validation_failed', 'JPY 1.5');
    expect(refused.details[0]).toEqual({ path: 'price', message: 'no decimals (JPY)' });
    expect(await jpy.query('SELECT COUNT(*) AS n FROM products')).toEqual([{ n: 0 }]);
    const tea = await jpy.addProduct({ name: 'Tea', price: 1500, stock: 3 });
    expect(await jpy.getProduct(tea)).toMatchObject({ price: 1500, priceCents: 1500, currency: 'JPY' });
    const c = await jpy.createCustomer({ email: 'yen@example.com', name: 'Yen' });
    await jpy.addToCart(c, tea, 2);
    expect(await jpy.getCartSummary(c)).toMatchObject({ currency: 'JPY', subtotal: 3000, subtotalCents: 3000, total: 3000 });
    const order = (await jpy.getOrder(await jpy.createOrder(c)))!;
    expect(order).toMatchObject({ currency: 'JPY', totalAmount: 3000, totalCents: 3000 });

    // Shipping prices and discount amounts are in the shop's currency too.
    const method = await jpy.createShippingMethod({ name: 'Yamato', price: 800, countries: ['JP'] });
    expect(method).toMatchObject({ price: 800, priceCents: 800 });
    await expectError(jpy.createShippingMethod({ name: 'Half', price: 0.5, countries: ['JP'] }), ValidationError, 'validation_failed', 'JPY shipping');
    expect(await jpy.createDiscountCode({ code: 'YEN', type: 'fixed', value: 300 })).toMatchObject({ value: 300, amountCents: 300 });

    const kwd = await open(await fresh(), { currency: 'KWD' });
    const dates = await kwd.addProduct({ name: 'Dates', price: 1.255, stock: 5 });
    expect(await kwd.getProduct(dates)).toMatchObject({ price: 1.255, priceCents: 1255, currency: 'KWD' });
    await expectError(kwd.addProduct({ name: 'Figs', price: 1.2555, stock: 1 }), ValidationError, 'validation_failed', 'KWD 4 decimals');
    expect((await kwd.search({ maxPrice: 1.255 })).items.map((p) => p.id)).toEqual([dates]);
  });

  it('a shop that already held amounts before the currency was stored keeps USD', async () => {
    const url = await fresh();
    const { openDriver } = await import('../../src/db/open.js');
    const { migrate } = await import('../../src/db/migrate.js');
    const { PostgresDriver } = await import('../../src/db/postgres.js');
    const db = await openDriver(url);
    if (db instanceof PostgresDriver) await db.ensureSchema();
    await migrate(db, 5);
    await db.run("INSERT INTO products (name, description, price_cents, stock, created_at, updated_at) VALUES ('Old', '', 1999, 2, '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')");
    await db.run("INSERT INTO inventory_movements (product_id, delta, reason, created_at) VALUES (1, 2, 'initial stock', '2020-01-01T00:00:00.000Z')");
    await db.close();
    await expectError(EcommercePlatform.open(url, { currency: 'EUR' }), ConflictError, 'conflict', 'old shop, new currency');
    const p = await open(url);
    expect(p.shop.currency.code).toBe('USD');
    expect((await p.getProduct(1))!).toMatchObject({ price: 19.99, stock: 2, variants: [expect.objectContaining({ id: 1, stock: 2, isDefault: true })] });
    expect(await p.getInventoryMovements(1)).toEqual([expect.objectContaining({ variantId: 1, delta: 2 })]);
    expect(await p.addVariant(1, { sku: 'X-1', options: {} }).catch((e: Error) => e.name)).toBe('ValidationError');
    const id = await p.addProduct({ name: 'New', price: 1, options: [{ name: 'Size', values: ['S'] }], variants: [{ sku: 'NEW-S', options: { Size: 'S' } }] });
    expect((await p.getProduct(id))!.variants[0]!.id).toBeGreaterThan(1);
  });

  it('stores the currency with the shop: reopening with another is refused, without one it keeps the stored one', async () => {
    const url = await fresh();
    const first = await open(url, { currency: 'EUR' });
    await first.addProduct({ name: 'Book', price: 12.5, stock: 1 });
    await first.close();
    opened.length = 0;
    const err = await expectError(EcommercePlatform.open(url, { currency: 'JPY' }), ConflictError, 'conflict', 'other currency');
    expect(err.message).toContain('EUR');
    expect(err.details).toEqual({ stored: 'EUR', requested: 'JPY' });
    const again = await open(url);
    expect(again.shop.currency.code).toBe('EUR');
    expect((await again.getProducts())[0]).toMatchObject({ price: 12.5, currency: 'EUR' });
    const usd = await open(await fresh());
    expect(usd.shop).toEqual({ currency: { code: 'USD', decimals: 2 }, pricesIncludeTax: false });
    await expectError(EcommercePlatform.open(await fresh(), { currency: 'EURO' }), ValidationError, 'validation_failed', 'bad code');
  });
});
