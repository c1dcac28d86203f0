import { hashToken, newToken } from '../auth/tokens.js';
import { lockCustomer } from '../customers/service.js';
import type { Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { NotFoundError, ValidationError } from '../errors.js';
import * as v from '../validate.js';

/** Whose cart: a customer's (by id) or a guest's (by the token handed out when it was created). */
export type CartOwner = number | { guestToken: string };

/** A resolved owner: the cart_items column that holds it and its id there. */
export interface OwnerRef {
  column: 'customer_id' | 'guest_cart_id';
  id: number;
  /** Set for a customer's cart. */
  customerId: number | null;
  /** Set for a guest cart. */
  guestCartId: number | null;
}

/** Guest carts untouched for this long are removed by the cleanup job. */
export const GUEST_CART_TTL_MS = 30 * 24 * 3600_000;

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

export function guestTokenHash(token: unknown): string {
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    throw new ValidationError('guestToken is not a cart token', [{ path: 'guestToken', message: 'is not a cart token' }]);
  }
  return hashToken(token);
}

/** Validates an owner without touching the database. */
export function checkOwner(owner: unknown): { customerId: number } | { tokenHash: string } {
  if (typeof owner === 'object' && owner !== null && !Array.isArray(owner)) {
    const r = v.record(owner, 'owner', ['guestToken']);
    return { tokenHash: guestTokenHash(r.guestToken) };
  }
  return { customerId: v.id(owner, 'customerId') };
}

/**
 * Inside a transaction: the owner's cart, or NotFoundError. A customer's row is locked on
 * PostgreSQL (one cart edit or checkout per customer at a time); a guest cart's row is locked
 * by the touch (`touched_at`, which the 30-day cleanup reads) or by FOR UPDATE.
 */
export async function resolveOwner(tx: Executor, owner: CartOwner, mode: 'write' | 'read' = 'write'): Promise<OwnerRef> {
  const o = checkOwner(owner);
  if ('customerId' in o) {
    const found = mode === 'write' ? await lockCustomer(tx, o.customerId) : (await tx.get('SELECT 1 AS one FROM customers WHERE id = ?', [o.customerId])) !== undefined;
    if (!found) throw new NotFoundError('Customer', o.customerId);
    return { column: 'customer_id', id: o.customerId, customerId: o.customerId, guestCartId: null };
  }
  const row =
    mode === 'write'
      ? await tx.get<{ id: number }>('UPDATE guest_carts SET touched_at = ? WHERE token_hash = ? RETURNING id', [now(), o.tokenHash])
      : await tx.get<{ id: number }>('SELECT id FROM guest_carts WHERE token_hash = ?', [o.tokenHash]);
  if (!row) throw new NotFoundError('Cart', 'for this token');
  return { column: 'guest_cart_id', id: row.id, customerId: null, guestCartId: row.id };
}

export async function createGuestCart(tx: Executor): Promise<{ token: string; id: number }> {
  const token = newToken();
  const at = now();
  const row = await tx.get<{ id: number }>('INSERT INTO guest_carts (token_hash, created_at, touched_at) VALUES (?, ?, ?) RETURNING id', [
    hashToken(token),
    at,
    at,
  ]);
  return { token, id: row!.id };
}

/** Removes guest carts (and, by cascade, their lines) untouched since `before`. */
export async function purgeGuestCarts(ex: Executor, before: string): Promise<number> {
  return (await ex.run('DELETE FROM guest_carts WHERE touched_at < ?', [before])).changes;
}
