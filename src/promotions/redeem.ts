import { DiscountInvalidError } from '../errors.js';
import { statement, type Statement } from '../db/batch.js';
import type { Executor } from '../db/driver.js';
import { assertUsable, discountCents, DISCOUNT_CODE_COLUMNS, unknownCode, type DiscountCodeRow } from './discount.js';

export interface Redemption {
  code: string;
  discountCents: number;
}

/** `lock`: on PostgreSQL the row is locked (FOR UPDATE), so its terms cannot change before the commit. */
export function readCode(ex: Executor, code: string, lock = false): Promise<DiscountCodeRow | undefined> {
  const forUpdate = lock && ex.dialect === 'postgres' ? ' FOR UPDATE' : '';
  return ex.get<DiscountCodeRow>(`SELECT ${DISCOUNT_CODE_COLUMNS} FROM discount_codes WHERE code = ?${forUpdate}`, [code]);
}

export async function usedBy(ex: Executor, code: string, customerId: number): Promise<boolean> {
  const row = await ex.get('SELECT 1 AS one FROM discount_redemptions WHERE code = ? AND customer_id = ? AND released_at IS NULL LIMIT 1', [
    code,
    customerId,
  ]);
  return row !== undefined;
}

/**
 * Checkout's part: validate the cart's code against the subtotal and take one use of it, inside
 * the order's transaction. The use is taken by a conditional increment, so concurrent checkouts
 * never pass max_redemptions (on PostgreSQL the second waits for the row lock and re-checks the
 * condition); the once-per-customer check runs after that lock is held (for a guest: the
 * customers row of the order's email). Throws DiscountInvalidError, rolling the checkout back.
 */
export async function takeDiscount(tx: Executor, code: string, customerId: number, subtotalCents: number, at: string): Promise<Redemption> {
  const row = await readCode(tx, code, true);
  if (!row) throw unknownCode(code);
  assertUsable(row, at, subtotalCents);
  const taken = await tx.run(
    `UPDATE discount_codes SET redemption_count = redemption_count + 1
     WHERE code = ? AND active = 1 AND (max_redemptions IS NULL OR redemption_count < max_redemptions)`,
    [row.code],
  );
  if (taken.changes === 0) throw new DiscountInvalidError(row.code, 'exhausted', `The discount code ${row.code} has been used up`);
  if (row.once_per_customer === 1 && (await usedBy(tx, row.code, customerId))) {
    throw new DiscountInvalidError(row.code, 'already_used', `You have already used the discount code ${row.code}`);
  }
  return { code: row.code, discountCents: discountCents(row.type, row.value, subtotalCents) };
}

/** Writes the redemption of the new order (checkout takes the code off the cart). */
export function redemptionStatement(customerId: number, orderId: number, redemption: Redemption, at: string): Statement {
  return statement('INSERT INTO discount_redemptions (code, order_id, customer_id, discount_cents, created_at) VALUES (?, ?, ?, ?, ?)', [
    redemption.code,
    orderId,
    customerId,
    redemption.discountCents,
    at,
  ]);
}

/** Cancelling an order gives its use of the code back (in the cancel transaction). */
export async function releaseRedemption(tx: Executor, orderId: number, at: string): Promise<void> {
  const released = await tx.get<{ code: string }>(
    'UPDATE discount_redemptions SET released_at = ? WHERE order_id = ? AND released_at IS NULL RETURNING code',
    [at, orderId],
  );
  if (released) {
    await tx.run('UPDATE discount_codes SET redemption_count = redemption_count - 1 WHERE code = ? AND redemption_count > 0', [released.code]);
  }
}
