import { hashToken, newToken } from '../auth/tokens.js';
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
  /** The discount code applied to the cart, read with the owner's row. */
  discountCode: string | null;
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
 * Inside a transaction: the owner's cart and its discount code, or NotFoundError. A customer's
 * row is locked on PostgreSQL (one cart edit or checkout per customer at a time); a guest cart's
 * row is locked by the touch (`touched_at`, which the 30-day cleanup reads) or by FOR UPDATE.
 * 'read' locks and touches nothing.
 */
export async function resolveOwner(tx: Executor, owner: CartOwner, mode: 'write' | 'read' = 'write'): Promise<OwnerRef> {
  const o = checkOwner(owner);
  if ('customerId' in o) {
    const lock = mode === 'write' && tx.dialect === 'postgres' ? ' FOR NO KEY UPDATE OF c' : '';
    const row = await tx.get<{ code: string | null }>(
      `SELECT d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = ?${lock}`,
      [o.customerId],
    );
    if (!row) throw new NotFoundError('Customer', o.customerId);
    return { column: 'customer_id', id: o.customerId, customerId: o.customerId, guestCartId: null, discountCode: row.code };
  }
  const row =
    mode === 'write'
      ? await tx.get<{ id: number; discount_code: string | null }>('UPDATE guest_carts SET touched_at = ? WHERE token_hash = ? RETURNING id, discount_code', [
          now(),
          o.tokenHash,
        ])
      : await tx.get<{ id: number; discount_code: string | null }>('SELECT id, discount_code FROM guest_carts WHERE token_hash = ?', [o.tokenHash]);
  if (!row) throw new NotFoundError('Cart', 'for this token');
  return { column: 'guest_cart_id', id: row.id, customerId: null, guestCartId: row.id, discountCode: row.discount_code };
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
