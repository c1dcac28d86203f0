import { ValidationError } from './errors.js';

/**
 * Guards for values that reach the engine from plain JavaScript callers (and, behind the HTTP
 * schemas, from the network). Each returns the value typed, or throws ValidationError.
 */
const fail = (path: string, message: string): never => {
  throw new ValidationError(`${path} ${message}`, [{ path, message }]);
};

export const MAX_QUANTITY = 1_000_000;
export const MAX_STOCK = 1_000_000_000;

export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function id(value: unknown, path = 'id'): number {
  return isId(value) ? value : fail(path, 'must be a positive integer');
}

export function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(path, 'must be an integer');
  if (value < min || value > max) return fail(path, `must be between ${min} and ${max}`);
  return value;
}

export function quantity(value: unknown, path = 'quantity'): number {
  return integer(value, path, 1, MAX_QUANTITY);
}

export function text(value: unknown, path: string, max = 1000, min = 0): string {
  if (typeof value !== 'string') return fail(path, 'must be a string');
  // PostgreSQL cannot store NUL in text; refuse it on every backend so both behave alike.
  if (value.includes('\u0000')) return fail(path, 'must not contain NUL characters');
  const trimmed = value.trim();
  if (trimmed.length < min) return fail(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
  if (trimmed.length > max) return fail(path, `must be at most ${max} characters`);
  return trimmed;
}

/** Optional text: undefined or null stays null; an empty string becomes null. */
export function optionalText(value: unknown, path: string, max = 1000): string | null {
  if (value === undefined || value === null) return null;
  const t = text(value, path, max);
  return t.length === 0 ? null : t;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
export function email(value: unknown, path = 'email'): string {
  const e = text(value, path, 254, 1).toLowerCase();
  return EMAIL.test(e) ? e : fail(path, 'is not a valid email address');
}

/** Plain object with only the listed keys; a typo in a key is an error, not silently ignored. */
export function record(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, 'is not a known field');
  }
  return value as Record<string, unknown>;
}

export function oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
  return typeof value === 'string' && (options as readonly string[]).includes(value)
    ? (value as T)
    : fail(path, `must be one of ${options.join(', ')}`);
}
