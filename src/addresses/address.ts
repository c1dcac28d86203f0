import { ValidationError, type ValidationIssue } from '../errors.js';
import { countryCode } from '../geo/countries.js';
import * as v from '../validate.js';

/** A postal address, as the address book keeps it and an order copies it. */
export interface Address {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string;
  phone: string | null;
}

/** What callers pass in: the optional fields may be left out. */
export type AddressInput = Omit<Address, 'line2' | 'region' | 'phone'> & Partial<Pick<Address, 'line2' | 'region' | 'phone'>>;

export const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'country', 'phone'] as const;

/** Longest accepted text per field (characters, after trimming). */
export const ADDRESS_LIMITS = { name: 200, line1: 200, line2: 200, city: 100, region: 100, postalCode: 20, phone: 50 } as const;

/**
 * Validates and normalises an address: text trimmed, optional fields null when empty, country
 * upper-cased and checked against the ISO list. Every problem is reported at once, each path
 * prefixed by `path` ("shippingAddress.country"); unknown fields are refused.
 */
export function parseAddress(input: unknown, path?: string): Address {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const whole = path ?? 'address';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`${whole} must be an object`, [{ path: whole, message: 'must be an object' }]);
  }
  const r = input as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(r)) {
    if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) issues.push({ path: at(key), message: 'is not a known field' });
  }
  const collect = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.details);
      return fallback;
    }
  };
  const required = (field: keyof typeof ADDRESS_LIMITS) =>
    collect(() => {
      if (r[field] === undefined || r[field] === null) throw new ValidationError(`${at(field)} is required`, [{ path: at(field), message: 'is required' }]);
      return v.text(r[field], at(field), ADDRESS_LIMITS[field], 1);
    }, '');
  const optional = (field: keyof typeof ADDRESS_LIMITS) => collect(() => v.optionalText(r[field], at(field), ADDRESS_LIMITS[field]), null);
  const address: Address = {
    name: required('name'),
    line1: required('line1'),
    line2: optional('line2'),
    city: required('city'),
    region: optional('region'),
    postalCode: required('postalCode'),
    country: collect(() => countryCode(r.country, at('country')), ''),
    phone: optional('phone'),
  };
  if (issues.length > 0) {
    throw new ValidationError(issues.length === 1 ? `${issues[0]!.path} ${issues[0]!.message}` : `${whole} is invalid: ${issues.map((i) => i.path).join(', ')}`, issues);
  }
  return address;
}
