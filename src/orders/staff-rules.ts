import { ForbiddenError, type Role } from '../auth/service.js';
import type { Executor } from '../db/driver.js';
import type { OrderStatus } from './status.js';

/**
 * Staff move orders but never move money back (issue 13): cancelling an order that holds captured
 * money refunds it, so a staff member may cancel only an order with nothing left to refund (unpaid,
 * authorised: the authorisation is voided, voided, refunded). Checked inside the move's
 * transaction with the order row locked, so a payment that lands meanwhile is seen.
 */
export function staffMoveOptions(role: Role, orderId: number, to: OrderStatus): { guard?: (tx: Executor) => Promise<void> } {
  if (role === 'admin' || to !== 'cancelled') return {};
  return {
    guard: async (tx) => {
      const row = await tx.get<{ paid_cents: number; refunded_cents: number }>('SELECT paid_cents, refunded_cents FROM orders WHERE id = ?', [orderId]);
      if (row && Number(row.paid_cents) > Number(row.refunded_cents)) throw new ForbiddenError(CANCEL_REFUNDS);
    },
  };
}

export const CANCEL_REFUNDS = 'Cancelling this order refunds its payment; only an administrator can do that. Nothing was changed.';

/** Whether cancelling an order with these figures would refund money (the page then offers it to admins only). */
export function cancelRefunds(order: { paidCents: number; refundedCents: number }): boolean {
  return order.paidCents > order.refundedCents;
}
