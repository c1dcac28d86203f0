import { ValidationError } from '../errors.js';

/**
 * Keyset cursors. `nextCursor` is opaque to clients (base64url of the last id seen); a cursor
 * that does not decode to a positive id is a 400.
 */
export function encodeCursor(id: number): string {
  return Buffer.from(`k${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^k([1-9]\d{0,15})$/.exec(text);
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw new ValidationError('cursor is malformed', [{ path: 'cursor', message: 'is not a cursor from this API' }]);
  return id;
}

/** `{ items, nextCursor }` from a page fetched with limit + 1 rows. */
export function page<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.length > limit ? rows.slice(0, limit) : rows;
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null };
}
