import { InvalidStatusTransitionError } from '../errors.js';

export const ORDER_STATUSES = ['pending', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order-state table: the only moves an order can make. Cancelling returns stock through the
 * ledger; it can happen at most once because `cancelled` has no way out.
 * Payment state is a separate column of its own (a later migration), not a value here.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new InvalidStatusTransitionError(from, to);
}
