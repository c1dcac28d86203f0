import type { Driver, Executor } from '../db/driver.js';
import { Assignments, now } from '../db/sql.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { COUNTRIES, countryCode } from '../geo/countries.js';
import { fromMinor, toMinor, USD, type Currency } from '../money.js';
import * as v from '../validate.js';

export interface ShippingMethod {
  id: number;
  name: string;
  /** In the shop's currency (ISO 4217), like every amount of the method. */
  currency: string;
  price: number;
  priceCents: number;
  /** Destination codes, sorted; `['*']`: everywhere. */
  countries: string[];
  /** Free at or above this subtotal (after discount); null: never free. */
  freeAbove: number | null;
  freeAboveCents: number | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewShippingMethod {
  name: string;
  price: number;
  countries: readonly string[];
  freeAbove?: number | null;
  active?: boolean;
}

export type ShippingMethodPatch = Partial<NewShippingMethod>;

/** What a method costs for one destination and subtotal. */
export interface ShippingQuote {
  methodId: number;
  name: string;
  priceCents: number;
}

interface MethodRow {
  id: number;
  name: string;
  price_cents: number;
  free_above_cents: number | null;
  everywhere: number;
  active: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, price_cents, free_above_cents, everywhere, active, created_at, updated_at';
const FIELDS = ['name', 'price', 'countries', 'freeAbove', 'active'] as const;
export const EVERYWHERE = '*';

const toMethod = (r: MethodRow, countries: string[], c: Currency): ShippingMethod => ({
  id: Number(r.id),
  name: r.name,
  currency: c.code,
  price: fromMinor(Number(r.price_cents), c),
  priceCents: Number(r.price_cents),
  countries: Number(r.everywhere) === 1 ? [EVERYWHERE] : countries,
  freeAbove: r.free_above_cents === null ? null : fromMinor(Number(r.free_above_cents), c),
  freeAboveCents: r.free_above_cents === null ? null : Number(r.free_above_cents),
  active: Number(r.active) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** `['*']` → everywhere; otherwise 1–249 assigned codes, upper-cased, without duplicates. */
function parseCountries(value: unknown): { everywhere: boolean; codes: string[] } {
  const fail = (path: string, message: string): never => {
    throw new ValidationError(`${path} ${message}`, [{ path, message }]);
  };
  if (!Array.isArray(value) || value.length === 0) return fail('countries', "must be a non-empty list of country codes, or ['*']");
  if (value.length > COUNTRIES.length) return fail('countries', `must have at most ${COUNTRIES.length} entries`);
  if (value.includes(EVERYWHERE)) {
    return value.length === 1 ? { everywhere: true, codes: [] } : fail('countries', "'*' must be the only entry");
  }
  const codes = new Set(value.map((c, i) => countryCode(c, `countries[${i}]`)));
  return { everywhere: false, codes: [...codes].sort() };
}

const methodName = (value: unknown) => v.text(value, 'name', 100, 1);
const freeAbove = (value: unknown, c: Currency): number | null => (value === null ? null : toMinor(value, 'freeAbove', c));

function active(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError('active must be a boolean', [{ path: 'active', message: 'must be a boolean' }]);
  return value;
}

function subtotal(value: unknown): number {
  return v.integer(value, 'subtotalAfterDiscountCents', 0, Number.MAX_SAFE_INTEGER);
}

const AVAILABLE = `active = 1 AND (everywhere = 1 OR EXISTS (SELECT 1 FROM shipping_method_countries c WHERE c.method_id = m.id AND c.country = ?))`;

const quote = (r: Pick<MethodRow, 'id' | 'name' | 'price_cents' | 'free_above_cents'>, subtotalCents: number): ShippingQuote => ({
  methodId: Number(r.id),
  name: r.name,
  priceCents: r.free_above_cents !== null && subtotalCents >= Number(r.free_above_cents) ? 0 : Number(r.price_cents),
});

/** Active methods for the destination with their price for this subtotal (0 at/above freeAbove), cheapest first. */
export async function shippingMethodsFor(ex: Executor, country: string, subtotalAfterDiscountCents: number): Promise<ShippingQuote[]> {
  const code = countryCode(country, 'country');
  const amount = subtotal(subtotalAfterDiscountCents);
  const rows = await ex.all<MethodRow>(`SELECT ${COLUMNS} FROM shipping_methods m WHERE ${AVAILABLE} ORDER BY id`, [code]);
  return rows.map((r) => quote(r, amount)).sort((a, b) => a.priceCents - b.priceCents || a.methodId - b.methodId);
}

/**
 * One method for checkout. Unknown, inactive and not-for-this-country are the same 400 on
 * `shippingMethodId`: the shopper picked something the shop does not offer them.
 */
export async function quoteShipping(ex: Executor, methodId: number, country: string, subtotalAfterDiscountCents: number): Promise<ShippingQuote> {
  const code = countryCode(country, 'country');
  const amount = subtotal(subtotalAfterDiscountCents);
  const row = v.isId(methodId) ? await ex.get<MethodRow>(`SELECT ${COLUMNS} FROM shipping_methods m WHERE id = ? AND ${AVAILABLE}`, [methodId, code]) : undefined;
  if (!row) {
    const message = `is not a shipping method available for ${code}`;
    throw new ValidationError(`shippingMethodId ${message}`, [{ path: 'shippingMethodId', message }]);
  }
  return quote(row, amount);
}

/** Whether the shop has any active shipping method (none at all: checkout needs no method). */
export async function hasShippingMethods(ex: Executor): Promise<boolean> {
  return (await ex.get('SELECT 1 AS one FROM shipping_methods WHERE active = 1 LIMIT 1')) !== undefined;
}

async function countriesOf(ex: Executor, methodId: number): Promise<string[]> {
  const rows = await ex.all<{ country: string }>('SELECT country FROM shipping_method_countries WHERE method_id = ? ORDER BY country', [methodId]);
  return rows.map((r) => r.country);
}

async function setCountries(tx: Executor, methodId: number, codes: readonly string[]): Promise<void> {
  await tx.run('DELETE FROM shipping_method_countries WHERE method_id = ?', [methodId]);
  for (const code of codes) await tx.run('INSERT INTO shipping_method_countries (method_id, country) VALUES (?, ?)', [methodId, code]);
}

/** Shipping methods (admin): a price, where they ship, and a subtotal above which they are free. */
export class ShippingService {
  constructor(
    private readonly db: Driver,
    /** Prices are given and shown in the shop's currency, stored in its minor units. */
    private readonly currency: Currency = USD,
  ) {}

  async create(input: NewShippingMethod): Promise<ShippingMethod> {
    const r = v.record(input, 'shippingMethod', FIELDS);
    const name = methodName(r.name);
    const price = toMinor(r.price, 'price', this.currency);
    const { everywhere, codes } = parseCountries(r.countries);
    const free = r.freeAbove === undefined ? null : freeAbove(r.freeAbove, this.currency);
    const isActive = r.active === undefined ? true : active(r.active);
    const row = await this.db.transaction(async (tx) => {
      const at = now();
      const created = await tx.get<MethodRow>(
        `INSERT INTO shipping_methods (name, price_cents, free_above_cents, everywhere, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [name, price, free, everywhere ? 1 : 0, isActive ? 1 : 0, at, at],
      );
      await setCountries(tx, Number(created!.id), codes);
      return created!;
    });
    return toMethod(row, codes, this.currency);
  }

  async get(methodId: number): Promise<ShippingMethod> {
    const id = v.id(methodId);
    const row = await this.db.get<MethodRow>(`SELECT ${COLUMNS} FROM shipping_methods WHERE id = ?`, [id]);
    if (!row) throw new NotFoundError('Shipping method', id);
    return toMethod(row, await countriesOf(this.db, id), this.currency);
  }

  /** Every method, active or not, in the order they were created. */
  async list(): Promise<ShippingMethod[]> {
    const [rows, links] = await Promise.all([
      this.db.all<MethodRow>(`SELECT ${COLUMNS} FROM shipping_methods ORDER BY id`),
      this.db.all<{ method_id: number; country: string }>('SELECT method_id, country FROM shipping_method_countries ORDER BY method_id, country'),
    ]);
    const byMethod = new Map<number, string[]>();
    for (const l of links) {
      const id = Number(l.method_id);
      byMethod.set(id, [...(byMethod.get(id) ?? []), l.country]);
    }
    return rows.map((r) => toMethod(r, byMethod.get(Number(r.id)) ?? [], this.currency));
  }

  /** Changes a method; `countries` replaces the whole list; `{ active: false }` withdraws it from checkout. */
  async update(methodId: number, patch: ShippingMethodPatch): Promise<ShippingMethod> {
    const id = v.id(methodId);
    const p = v.record(patch, 'patch', FIELDS);
    const sets = new Assignments();
    if (p.name !== undefined) sets.set('name', methodName(p.name));
    if (p.price !== undefined) sets.set('price_cents', toMinor(p.price, 'price', this.currency));
    if (p.freeAbove !== undefined) sets.set('free_above_cents', freeAbove(p.freeAbove, this.currency));
    if (p.active !== undefined) sets.set('active', active(p.active) ? 1 : 0);
    const destinations = p.countries === undefined ? undefined : parseCountries(p.countries);
    if (destinations) sets.set('everywhere', destinations.everywhere ? 1 : 0);
    const row = await this.db.transaction(async (tx) => {
      const current = await tx.get<MethodRow>(`SELECT ${COLUMNS} FROM shipping_methods WHERE id = ?`, [id]);
      if (!current) throw new NotFoundError('Shipping method', id);
      if (sets.empty) return current;
      if (destinations) await setCountries(tx, id, destinations.codes);
      return (await tx.get<MethodRow>(`UPDATE shipping_methods SET ${sets.sql}, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`, [...sets.params, now(), id]))!;
    });
    return toMethod(row, destinations ? destinations.codes : await countriesOf(this.db, id), this.currency);
  }
}
