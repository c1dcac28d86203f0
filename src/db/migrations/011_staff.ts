import type { DialectName } from '../driver.js';
import { int, type Migration } from './types.js';

/**
 * Staff accounts (issue 13): the role may also be 'staff'. SQLite cannot alter a CHECK
 * constraint, so the accounts table is rebuilt with its rows inside this migration's transaction
 * (nothing references accounts, so the drop is safe with foreign keys on).
 */
export const staff: Migration = {
  version: 11,
  name: 'staff',
  up: (d: DialectName) =>
    d === 'postgres'
      ? [
          'ALTER TABLE accounts DROP CONSTRAINT accounts_role_check',
          "ALTER TABLE accounts ADD CONSTRAINT accounts_role_check CHECK (role IN ('customer', 'admin', 'staff'))",
        ]
      : [
          `CREATE TABLE accounts_new (
            customer_id ${int(d)} PRIMARY KEY REFERENCES customers (id),
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('customer', 'admin', 'staff')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          )`,
          'INSERT INTO accounts_new (customer_id, password_hash, role, created_at, updated_at) SELECT customer_id, password_hash, role, created_at, updated_at FROM accounts',
          'DROP TABLE accounts',
          'ALTER TABLE accounts_new RENAME TO accounts',
        ],
};
