import type { Driver, Executor } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { countryCode } from '../geo/countries.js';
import * as v from '../validate.js';

export interface TaxRate {
  id: number;
  country: string;
  ratePercent: number;
  /** Thousandths of a percent: 19 → 19000, 7.5 → 7500. */
  rateMilli: number;
  /** Products of this catalog category pay this rate; null: the country's standard rate. */
  category: string | null;
  name: string | null;
}

export interface NewTaxRate {
  country: string;
  ratePercent: number;
  category?: string | null;
  name?: string | null;
}

export type TaxRatePatch = Partial<NewTaxRate>;

interface TaxRateRow {
  id: number;
  country: string;
  rate_milli: number;
  category: string | null;
  name: string | null;
}

const COLUMNS = 'id, country, rate_milli, category, name';
const FIELDS = ['country', 'ratePercent', 'category', 'name'] as const;

const toTaxRate = (r: TaxRateRow): TaxRate => ({
  id: Number(r.id),
  country: r.country,
  ratePercent: Number(r.rate_milli) / 1000,
  rateMilli: Number(r.rate_milli),
  category: r.category,
  name: r.name,
});

/** 19 → 19000, 7.5 → 7500, 0.125 → 125, through the decimal text so no float noise reaches the integer. */
export function rateMilli(value: unknown, path = 'ratePercent'): number {
  const fail = (message: string): never => {
    throw new ValidationError(`${path} ${message}`, [{ path, message }]);
  };
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('must be a finite number');
  if (value < 0 || value > 100) return fail('must be between 0 and 100');
  const match = /^(\d+)(?:\.(\d{1,3}))?$/.exec(String(value));
  if (!match) return fail('must have at most three decimals');
  return Number(match[1]) * 1000 + Number((match[2] ?? '').padEnd(3, '0'));
}

const category = (value: unknown): string | null => v.optionalText(value, 'category', 100);
const label = (value: unknown): string | null => v.optionalText(value, 'name', 100);

/** The destination's rates (standard first, then by category); [] when the shop charges no tax there. */
export async function taxRatesFor(ex: Executor, country: string): Promise<TaxRate[]> {
  const code = countryCode(country, 'country');
  const rows = await ex.all<TaxRateRow>(
    `SELECT ${COLUMNS} FROM tax_rates WHERE country = ? ORDER BY CASE WHEN category IS NULL THEN 0 ELSE 1 END, category, id`,
    [code],
  );
  return rows.map(toTaxRate);
}

async function readRate(ex: Executor, id: number): Promise<TaxRateRow> {
  const row = await ex.get<TaxRateRow>(`SELECT ${COLUMNS} FROM tax_rates WHERE id = ?`, [id]);
  if (!row) throw new NotFoundError('Tax rate', id);
  return row;
}

/** The rate that already holds this (country, category) slot, other than `exceptId`. */
async function occupant(ex: Executor, country: string, cat: string | null, exceptId: number): Promise<TaxRateRow | undefined> {
  return cat === null
    ? ex.get<TaxRateRow>(`SELECT ${COLUMNS} FROM tax_rates WHERE country = ? AND category IS NULL AND id <> ?`, [country, exceptId])
    : ex.get<TaxRateRow>(`SELECT ${COLUMNS} FROM tax_rates WHERE country = ? AND category = ? AND id <> ?`, [country, cat, exceptId]);
}

function duplicate(country: string, cat: string | null): ConflictError {
  const what = cat === null ? `a standard rate` : `a rate for category '${cat}'`;
  return new ConflictError(`${country} already has ${what}`, { country, category: cat });
}

/** Tax rates per destination country: one standard rate, and at most one per product category. */
export class TaxService {
  constructor(private readonly db: Driver) {}

  async create(input: NewTaxRate): Promise<TaxRate> {
    const r = v.record(input, 'taxRate', FIELDS);
    const country = countryCode(r.country, 'country');
    const milli = rateMilli(r.ratePercent);
    const cat = category(r.category);
    const name = label(r.name);
    try {
      const row = await this.db.transaction(async (tx) => {
        if (await occupant(tx, country, cat, 0)) throw duplicate(country, cat);
        const at = now();
        return tx.get<TaxRateRow>(
          `INSERT INTO tax_rates (country, rate_milli, category, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
          [country, milli, cat, name, at, at],
        );
      });
      return toTaxRate(row!);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate(country, cat);
      throw e;
    }
  }

  async get(id: number): Promise<TaxRate> {
    return toTaxRate(await readRate(this.db, v.id(id)));
  }

  /** Every rate, by country, standard rate first. */
  async list(): Promise<TaxRate[]> {
    const rows = await this.db.all<TaxRateRow>(`SELECT ${COLUMNS} FROM tax_rates ORDER BY country, CASE WHEN category IS NULL THEN 0 ELSE 1 END, category, id`);
    return rows.map(toTaxRate);
  }

  async update(id: number, patch: TaxRatePatch): Promise<TaxRate> {
    const rateId = v.id(id);
    const p = v.record(patch, 'patch', FIELDS);
    const country = p.country === undefined ? undefined : countryCode(p.country, 'country');
    const milli = p.ratePercent === undefined ? undefined : rateMilli(p.ratePercent);
    const cat = p.category === undefined ? undefined : category(p.category);
    const name = p.name === undefined ? undefined : label(p.name);
    const row = await this.db.transaction(async (tx) => {
      const current = await readRate(tx, rateId);
      const sets = new Assignments();
      if (country !== undefined) sets.set('country', country);
      if (milli !== undefined) sets.set('rate_milli', milli);
      if (cat !== undefined) sets.set('category', cat);
      if (name !== undefined) sets.set('name', name);
      if (sets.empty) return current;
      const slot = { country: country ?? current.country, category: cat === undefined ? current.category : cat };
      if (await occupant(tx, slot.country, slot.category, rateId)) throw duplicate(slot.country, slot.category);
      try {
        return await tx.get<TaxRateRow>(`UPDATE tax_rates SET ${sets.sql}, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`, [...sets.params, now(), rateId]);
      } catch (e) {
        // A concurrent change took the slot after our check (PostgreSQL, READ COMMITTED).
        throw isUniqueViolation(e) ? duplicate(slot.country, slot.category) : e;
      }
    });
    return toTaxRate(row!);
  }

  async remove(id: number): Promise<void> {
    const rateId = v.id(id);
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run('DELETE FROM tax_rates WHERE id = ?', [rateId]);
      if (changes === 0) throw new NotFoundError('Tax rate', rateId);
    });
  }
}
