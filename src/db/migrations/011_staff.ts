import type { DialectName } from '../driver.js';
import { int, type Migration } from './types.js';

/**
 * Staff accounts (issue 13): the role may also be 'staff'. SQLite cannot alter a CHECK
 * constraint, so the accounts table is rebuilt with its rows inside this migration's transaction
 * (nothing references accounts, so the drop is safe with foreign keys on).
 * Plus the indexes of the admin panel's keyset lists: newest first by (created_at, id), so a page
 * with or without a status or customer filter is an index walk on both backends, never a sort.
 */
export const staff: Migration = {
  version: 11,
  name: 'staff',
  up: (d: DialectName) => [...role(d), ...LIST_INDEXES],
};

const LIST_INDEXES = [
  'CREATE INDEX orders_created_id_idx ON orders (created_at, id)',
  'CREATE INDEX orders_status_created_id_idx ON orders (status, created_at, id)',
  'CREATE INDEX orders_customer_created_id_idx ON orders (customer_id, created_at, id)',
  'CREATE INDEX reviews_rating_idx ON reviews (rating, id)',
  // Covers the dashboard's sums over a created_at window: an index-only scan, no table reads.
  'CREATE INDEX orders_created_sales_idx ON orders (created_at, status, total_cents, customer_id)',
];

const role = (d: DialectName): string[] =>
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
        ];
