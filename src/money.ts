import { ValidationError } from './errors.js';

/** Largest amount we accept, in cents: keeps every sum far inside Number.MAX_SAFE_INTEGER. */
export const MAX_CENTS = 1_000_000_000_000; // ten billion currency units

/**
 * Converts an amount in currency units (999.99) to integer cents (99999) exactly.
 * Goes through the decimal string so binary float noise never leaks into cents;
 * more than two decimals is refused rather than rounded.
 */
export function toCents(amount: unknown, field = 'price'): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new ValidationError(`${field} must be a finite number`, [{ path: field, message: 'must be a finite number' }]);
  }
  if (amount < 0) throw new ValidationError(`${field} must not be negative`, [{ path: field, message: 'must be >= 0' }]);
  const text = String(amount);
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    throw new ValidationError(`${field} must have at most two decimals`, [{ path: field, message: 'at most two decimals' }]);
  }
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (cents > MAX_CENTS) throw new ValidationError(`${field} is too large`, [{ path: field, message: `must be <= ${MAX_CENTS / 100}` }]);
  return cents;
}

/** Integer cents to a currency amount for display; never used for arithmetic. */
export function fromCents(cents: number): number {
  return cents / 100;
}
