import { DiscountInvalidError, ValidationError } from '../errors.js';

export const DISCOUNT_TYPES = ['percentage', 'fixed'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

/** What a code needs to be judged; the row as stored. */
export interface DiscountCodeRow {
  code: string;
  type: DiscountType;
  /** Percentage: basis points (1250 = 12.5 %). Fixed: cents. */
  value: number;
  min_subtotal_cents: number;
  valid_from: string | null;
  valid_until: string | null;
  max_redemptions: number | null;
  once_per_customer: number;
  active: number;
  redemption_count: number;
  created_at: string;
  updated_at: string;
}

export const DISCOUNT_CODE_COLUMNS =
  'code, type, value, min_subtotal_cents, valid_from, valid_until, max_redemptions, once_per_customer, active, redemption_count, created_at, updated_at';

const CODE = /^[A-Z0-9][A-Z0-9_-]{0,63}$/;

/** Codes are case-insensitive for shoppers: stored and compared upper-case, surrounding spaces ignored. */
export function normaliseCode(value: unknown, path = 'code'): string {
  if (typeof value !== 'string') throw new ValidationError(`${path} must be a string`, [{ path, message: 'must be a string' }]);
  const code = value.trim().toUpperCase();
  if (!CODE.test(code)) {
    throw new ValidationError(`${path} must be 1-64 letters, digits, '-' or '_'`, [{ path, message: "must be 1-64 letters, digits, '-' or '_'" }]);
  }
  return code;
}

/**
 * The discount on a subtotal, in integer cents, never more than the subtotal.
 * Percentage: subtotal × basis points / 10000, rounded half up (BigInt: the product can pass 2^53).
 */
export function discountCents(type: DiscountType, value: number, subtotalCents: number): number {
  if (subtotalCents <= 0) return 0;
  if (type === 'fixed') return Math.min(value, subtotalCents);
  const cents = Number((BigInt(subtotalCents) * BigInt(value) + 5000n) / 10000n);
  return Math.min(cents, subtotalCents);
}

/**
 * Everything about a code that does not need a lock: active, inside its window, not used up at the
 * time of reading, subtotal high enough. Throws DiscountInvalidError naming the first reason.
 * `subtotalCents` null skips the minimum (when a code is applied to a cart that may still grow).
 */
export function assertUsable(row: DiscountCodeRow, at: string, subtotalCents: number | null): void {
  const fail = (reason: DiscountInvalidError['reason'], message: string): never => {
    throw new DiscountInvalidError(row.code, reason, message);
  };
  if (row.active !== 1) fail('inactive', `The discount code ${row.code} is no longer active`);
  if (row.valid_from !== null && at < row.valid_from) fail('not_yet_valid', `The discount code ${row.code} is valid from ${row.valid_from}`);
  if (row.valid_until !== null && at >= row.valid_until) fail('expired', `The discount code ${row.code} expired at ${row.valid_until}`);
  if (row.max_redemptions !== null && row.redemption_count >= row.max_redemptions) fail('exhausted', `The discount code ${row.code} has been used up`);
  if (subtotalCents !== null && subtotalCents < row.min_subtotal_cents) {
    fail('min_subtotal', `The discount code ${row.code} needs a subtotal of at least ${(row.min_subtotal_cents / 100).toFixed(2)}`);
  }
}

export function unknownCode(code: string): DiscountInvalidError {
  return new DiscountInvalidError(code, 'unknown', `The discount code ${code} does not exist`);
}
