import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/**
 * The transactional outbox (src/notifications): every event is a row written in the transaction
 * of the change that causes it, fanned out there into one message per recipient (an email, a
 * webhook endpoint). The runner claims messages by moving `next_attempt_at` past a lease, so a
 * process that dies holding one lets it go when the lease runs out. One-time tokens for password
 * reset and email confirmation are stored as hashes (confirmation sets `customers.email_verified_at`,
 * a column of 006).
 */
export const notifications: Migration = {
  version: 8,
  name: 'notifications',
  up: (d: DialectName) => [
    `CREATE TABLE outbox_events (
      id ${id(d)},
      type TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
    `CREATE TABLE webhook_endpoints (
      id ${id(d)},
      url TEXT NOT NULL,
      description TEXT,
      secret TEXT NOT NULL,
      enabled ${int(d)} NOT NULL DEFAULT 1,
      disabled_reason TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE webhook_subscriptions (
      endpoint_id ${int(d)} NOT NULL REFERENCES webhook_endpoints (id),
      event_type TEXT NOT NULL,
      PRIMARY KEY (endpoint_id, event_type)
    )`,
    `CREATE INDEX webhook_subscriptions_type_idx ON webhook_subscriptions (event_type, endpoint_id)`,
    `CREATE TABLE notifications (
      id ${id(d)},
      event_id ${int(d)} NOT NULL REFERENCES outbox_events (id),
      kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
      recipient TEXT,
      endpoint_id ${int(d)} REFERENCES webhook_endpoints (id),
      template TEXT,
      private TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
      attempts ${int(d)} NOT NULL DEFAULT 0,
      next_attempt_at TEXT NOT NULL,
      claimed_by TEXT,
      last_error TEXT,
      sent_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id) WHERE status IN ('pending', 'failed')`,
    `CREATE INDEX notifications_status_idx ON notifications (status, id)`,
    `CREATE INDEX notifications_endpoint_idx ON notifications (endpoint_id, id)`,
    `CREATE TABLE notification_attempts (
      id ${id(d)},
      notification_id ${int(d)} NOT NULL REFERENCES notifications (id),
      at TEXT NOT NULL,
      ok ${int(d)} NOT NULL,
      status_code ${int(d)},
      duration_ms ${int(d)} NOT NULL,
      error TEXT
    )`,
    `CREATE INDEX notification_attempts_notification_idx ON notification_attempts (notification_id, id)`,
    `CREATE TABLE auth_tokens (
      token_hash TEXT PRIMARY KEY,
      purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_confirmation')),
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      expires_at TEXT NOT NULL,
      used_at TEXT,
      created_at TEXT NOT NULL
    )`,
    `CREATE INDEX auth_tokens_customer_idx ON auth_tokens (customer_id, purpose)`,
  ],
};
