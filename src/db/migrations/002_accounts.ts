import type { DialectName } from '../driver.js';
import { int, type Migration } from './types.js';

/**
 * Accounts for the HTTP API: credentials and role per customer, sessions (only the token's
 * SHA-256 is stored), failed logins (for the lockout, shared by every server process) and the
 * stored first responses of idempotent requests.
 */
export const accounts: Migration = {
  version: 2,
  name: 'accounts',
  up: (d: DialectName) => [
    `CREATE TABLE accounts (
      customer_id ${int(d)} PRIMARY KEY REFERENCES customers (id),
      password_hash TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('customer', 'admin')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE sessions (
      token_hash TEXT PRIMARY KEY,
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      expires_at TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
    `CREATE INDEX sessions_customer_idx ON sessions (customer_id)`,
    `CREATE INDEX sessions_expires_idx ON sessions (expires_at)`,
    `CREATE TABLE login_failures (
      email TEXT NOT NULL,
      at TEXT NOT NULL
    )`,
    `CREATE INDEX login_failures_email_idx ON login_failures (email, at)`,
    `CREATE TABLE idempotent_responses (
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      idempotency_key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      status_code ${int(d)} NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (customer_id, idempotency_key)
    )`,
  ],
};
