import { ValidationError } from '../errors.js';

/** Keyset position: the sort key and id of the last item of a page. */
export interface Position {
  sort: string;
  key: number | string;
  id: number;
}

const invalid = () => new ValidationError('cursor is not valid for this listing', [{ path: 'cursor', message: 'is malformed' }]);

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.sort, p.key, p.id])).toString('base64url');
}

/** Decodes a cursor made by encodeCursor for the same sort; anything else is a ValidationError. */
export function decodeCursor(cursor: unknown, sort: string, keyType: 'number' | 'string'): Position {
  if (typeof cursor !== 'string' || cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 3) throw invalid();
  const [s, key, id] = value as unknown[];
  if (s !== sort || typeof key !== keyType || !Number.isSafeInteger(id) || (id as number) < 1) throw invalid();
  if (typeof key === 'number' && !Number.isFinite(key)) throw invalid();
  if (typeof key === 'string' && key.length > 64) throw invalid();
  return { sort, key: key as number | string, id: id as number };
}
