import { ValidationError } from './errors.js';

/** Largest amount we accept, in minor units: keeps every sum far inside Number.MAX_SAFE_INTEGER. */
export const MAX_CENTS = 1_000_000_000_000;

/** A currency with its number of decimals (ISO 4217 "minor unit"). */
export interface Currency {
  readonly code: string;
  readonly decimals: number;
}

const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR = 'CLF UYW';
const TWO =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY ' +
  'COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR ' +
  'JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO ' +
  'NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
  'TMT TOP TRY TTD TWD TZS UAH USD USN UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

/**
 * Every active ISO 4217 currency code with a minor unit, and that minor unit (the number of
 * decimals amounts in it have). Codes without one (gold, SDR, test codes) cannot price goods.
 */
export const CURRENCIES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(
    ([[ZERO, 0], [TWO, 2], [THREE, 3], [FOUR, 4]] as const).flatMap(([codes, d]) => codes.split(' ').map((c) => [c, d] as const)),
  ),
);

export const USD: Currency = Object.freeze({ code: 'USD', decimals: 2 });

/** The currency for an ISO 4217 code (case-insensitive); ValidationError for anything else. */
export function currency(code: unknown, path = 'currency'): Currency {
  const c = typeof code === 'string' ? code.trim().toUpperCase() : '';
  const decimals = CURRENCIES[c];
  if (decimals === undefined) {
    throw new ValidationError(`${path} must be an ISO 4217 currency code`, [{ path, message: 'must be an ISO 4217 currency code such as USD, EUR, JPY' }]);
  }
  return Object.freeze({ code: c, decimals });
}

/**
 * Converts an amount in currency units (999.99 USD, 1500 JPY, 1.255 KWD) to integer minor units
 * exactly. Goes through the decimal string so binary float noise never leaks in; more decimals
 * than the currency has is refused rather than rounded.
 */
export function toMinor(amount: unknown, field: string, c: Currency): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new ValidationError(`${field} must be a finite number`, [{ path: field, message: 'must be a finite number' }]);
  }
  if (amount < 0) throw new ValidationError(`${field} must not be negative`, [{ path: field, message: 'must be >= 0' }]);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(amount));
  const fraction = match?.[2] ?? '';
  if (!match || fraction.length > c.decimals) {
    const rule = c.decimals === 0 ? 'no decimals' : `at most ${c.decimals} decimal${c.decimals === 1 ? '' : 's'}`;
    throw new ValidationError(`${field} must have ${rule} (${c.code})`, [{ path: field, message: `${rule} (${c.code})` }]);
  }
  const minor = Number(match[1]) * 10 ** c.decimals + Number(fraction.padEnd(c.decimals, '0') || '0');
  if (minor > MAX_CENTS) {
    throw new ValidationError(`${field} is too large`, [{ path: field, message: `must be <= ${MAX_CENTS / 10 ** c.decimals}` }]);
  }
  return minor;
}

/** Integer minor units to a currency amount for display; never used for arithmetic. */
export function fromMinor(minor: number, c: Currency): number {
  return c.decimals === 0 ? minor : Number((minor / 10 ** c.decimals).toFixed(c.decimals));
}

/** Two-decimal (USD) conversion, kept for callers that predate the shop currency. */
export function toCents(amount: unknown, field = 'price'): number {
  return toMinor(amount, field, USD);
}

export function fromCents(cents: number): number {
  return cents / 100;
}
