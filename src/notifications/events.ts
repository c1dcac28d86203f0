import type { Order } from '../orders/service.js';
import type { OrderStatus } from '../orders/status.js';

/**
 * The one registry of event types: each type's payload (the webhook's `data`) and whether it
 * sends an email. Adding an event (payments adds `order.paid`, `order.refunded`) is one entry
 * in `EventPayloads` and, when customers get an email for it, one in `EMAILS` plus its template files.
 */
export interface EventPayloads {
  'order.placed': { order: Order };
  'order.status_changed': { order: Order; from: OrderStatus; to: OrderStatus };
  'order.cancelled': { order: Order; from: OrderStatus };
  'customer.registered': { customerId: number; email: string; name: string };
  /** Per variant: a product without options has one (its default variant). */
  'stock.low': { productId: number; variantId: number; sku: string | null; variantTitle: string; name: string; stock: number; threshold: number };
  'password.reset_requested': { customerId: number; email: string; expiresAt: string };
}

export type EventType = keyof EventPayloads;

export const EVENT_TYPES = [
  'order.placed',
  'order.status_changed',
  'order.cancelled',
  'customer.registered',
  'stock.low',
  'password.reset_requested',
] as const satisfies readonly EventType[];

/** An event as listeners and webhook receivers see it. */
export interface StoreEvent<T extends EventType = EventType> {
  /** The outbox row's id. */
  id: number;
  type: T;
  createdAt: string;
  data: EventPayloads[T];
}

/** Which email (template name) an event sends, and to whom; null: none for this payload. */
export interface EmailRule<T extends EventType> {
  (data: EventPayloads[T]): { template: string; to: string } | null;
}

/** The order's own email (guest checkout) when it has one, else its customer's. */
export function orderRecipient(order: Order): string {
  const own = (order as Order & { email?: unknown }).email;
  return typeof own === 'string' && own !== '' ? own : order.customerEmail;
}

export const EMAILS: { [T in EventType]?: EmailRule<T> } = {
  'order.placed': (d) => ({ template: 'order-placed', to: orderRecipient(d.order) }),
  'order.status_changed': (d) => (d.to === 'shipped' || d.to === 'delivered' ? { template: `order-${d.to}`, to: orderRecipient(d.order) } : null),
  'order.cancelled': (d) => ({ template: 'order-cancelled', to: orderRecipient(d.order) }),
  'customer.registered': (d) => ({ template: 'welcome', to: d.email }),
  'password.reset_requested': (d) => ({ template: 'password-reset', to: d.email }),
};

export function emailFor<T extends EventType>(type: T, data: EventPayloads[T]): { template: string; to: string } | null {
  const rule = EMAILS[type] as EmailRule<T> | undefined;
  return rule ? rule(data) : null;
}
