import type { DialectName } from '../driver.js';
import { int, type Migration } from './types.js';

/**
 * The admin panel's orders area (issue 13): a keyset walk per payment-state filter, and the
 * emails of one order without reading the whole outbox.
 * - Orders newest first by payment state, alone or with a status: (payment_status, created_at, id)
 *   and (payment_status, status, created_at, id). The second replaces 009's (payment_status,
 *   status, created_at), of which it is a superset (the unpaid-timeout query and the dashboard use it).
 * - `outbox_events.order_id`: the order an event is about, set by `emit`, backfilled here from the
 *   payload; with `notifications (event_id)` an order's messages are two index lookups.
 */
export const adminOrders: Migration = {
  version: 14,
  name: 'admin_orders',
  up: (d: DialectName) => [
    'DROP INDEX orders_payment_status_idx',
    'CREATE INDEX orders_payment_status_created_id_idx ON orders (payment_status, status, created_at, id)',
    'CREATE INDEX orders_payment_created_id_idx ON orders (payment_status, created_at, id)',
    `ALTER TABLE outbox_events ADD COLUMN order_id ${int(d)}`,
    d === 'postgres'
      ? `UPDATE outbox_events SET order_id = (payload::jsonb #>> '{order,id}')::bigint WHERE type LIKE 'order.%'`
      : `UPDATE outbox_events SET order_id = CAST(json_extract(payload, '$.order.id') AS INTEGER) WHERE type LIKE 'order.%'`,
    'CREATE INDEX outbox_events_order_idx ON outbox_events (order_id, id)',
    'CREATE INDEX notifications_event_idx ON notifications (event_id)',
  ],
};
