import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/**
 * Payments (issue 11, docs/PAYMENTS.md): the order's payment figures, the append-only payment
 * ledger, operation rows (one per call that moves money at a provider, parameters frozen) and the
 * webhook events seen (deduplicated by provider and event id). `test_provider_*` is the built-in
 * test provider's own state: it plays an external provider, so it is written outside our transactions.
 */
export const payments: Migration = {
  version: 9,
  name: 'payments',
  up: (d: DialectName) => [
    `ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'unpaid'
      CHECK (payment_status IN ('unpaid', 'authorized', 'paid', 'partially_refunded', 'refunded', 'voided'))`,
    `ALTER TABLE orders ADD COLUMN authorized_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN paid_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN refunded_cents ${int(d)} NOT NULL DEFAULT 0`,
    `CREATE INDEX orders_payment_status_idx ON orders (payment_status, status, created_at)`,
    `CREATE TABLE payments (
      id ${id(d)},
      order_id ${int(d)} NOT NULL REFERENCES orders (id),
      provider TEXT NOT NULL,
      provider_ref TEXT,
      status TEXT NOT NULL CHECK (status IN ('creating', 'pending', 'authorized', 'captured', 'failed', 'voided')),
      amount_cents ${int(d)} NOT NULL CHECK (amount_cents > 0),
      currency TEXT NOT NULL,
      capture_method TEXT NOT NULL CHECK (capture_method IN ('automatic', 'manual')),
      client_secret TEXT,
      failure_code TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    // One live payment per order: a second attempt waits until the first has failed.
    `CREATE UNIQUE INDEX payments_one_live_idx ON payments (order_id) WHERE status IN ('creating', 'pending', 'authorized', 'captured')`,
    `CREATE UNIQUE INDEX payments_ref_idx ON payments (provider, provider_ref)`,
    `CREATE TABLE payment_operations (
      id ${id(d)},
      order_id ${int(d)} NOT NULL REFERENCES orders (id),
      payment_id ${int(d)} NOT NULL REFERENCES payments (id),
      kind TEXT NOT NULL CHECK (kind IN ('create', 'capture', 'refund', 'void')),
      amount_cents ${int(d)} NOT NULL CHECK (amount_cents >= 0),
      params TEXT NOT NULL,
      idempotency_key TEXT NOT NULL UNIQUE,
      request_key TEXT,
      request_hash TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      provider_ref TEXT,
      error TEXT,
      attempts ${int(d)} NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE UNIQUE INDEX payment_operations_request_idx ON payment_operations (order_id, request_key)`,
    `CREATE UNIQUE INDEX payment_operations_once_idx ON payment_operations (payment_id, kind) WHERE kind IN ('create', 'capture', 'void')`,
    `CREATE INDEX payment_operations_pending_idx ON payment_operations (status, updated_at)`,
    `CREATE TABLE payment_ledger (
      id ${id(d)},
      order_id ${int(d)} NOT NULL REFERENCES orders (id),
      payment_id ${int(d)} NOT NULL REFERENCES payments (id),
      kind TEXT NOT NULL CHECK (kind IN ('attempt', 'authorization', 'capture', 'refund', 'void', 'failure')),
      amount_cents ${int(d)} NOT NULL CHECK (amount_cents >= 0),
      currency TEXT NOT NULL,
      provider TEXT NOT NULL,
      provider_ref TEXT,
      entry_key TEXT NOT NULL UNIQUE,
      at TEXT NOT NULL
    )`,
    `CREATE INDEX payment_ledger_order_idx ON payment_ledger (order_id, id)`,
    `CREATE TABLE payment_restocks (
      id ${id(d)},
      operation_id ${int(d)} NOT NULL REFERENCES payment_operations (id),
      order_id ${int(d)} NOT NULL REFERENCES orders (id),
      variant_id ${int(d)} NOT NULL REFERENCES product_variants (id),
      quantity ${int(d)} NOT NULL CHECK (quantity > 0)
    )`,
    `CREATE INDEX payment_restocks_order_idx ON payment_restocks (order_id, variant_id)`,
    `CREATE TABLE payment_webhook_events (
      id ${id(d)},
      provider TEXT NOT NULL,
      event_id TEXT NOT NULL,
      type TEXT NOT NULL,
      provider_ref TEXT,
      order_id ${int(d)},
      outcome TEXT NOT NULL,
      flag TEXT,
      received_at TEXT NOT NULL,
      UNIQUE (provider, event_id)
    )`,
    `CREATE TABLE test_provider_payments (
      ref TEXT PRIMARY KEY,
      create_key TEXT NOT NULL UNIQUE,
      amount_cents ${int(d)} NOT NULL,
      currency TEXT NOT NULL,
      capture_method TEXT NOT NULL,
      status TEXT NOT NULL,
      captured_cents ${int(d)} NOT NULL DEFAULT 0,
      settle_at TEXT,
      metadata TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
    `CREATE TABLE test_provider_calls (
      idempotency_key TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      payment_ref TEXT NOT NULL,
      amount_cents ${int(d)} NOT NULL,
      result_ref TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
  ],
};
