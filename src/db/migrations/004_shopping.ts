import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/** Reviews, price history, discount codes and product images (issue 6). */
export const shopping: Migration = {
  version: 4,
  name: 'shopping',
  up: (d: DialectName) => [
    `CREATE TABLE reviews (
      id ${id(d)},
      product_id ${int(d)} NOT NULL REFERENCES products (id),
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      rating ${int(d)} NOT NULL CHECK (rating BETWEEN 1 AND 5),
      title TEXT CHECK (title IS NULL OR length(title) <= 200),
      body TEXT CHECK (body IS NULL OR length(body) <= 5000),
      verified ${int(d)} NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
      hidden ${int(d)} NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (product_id, customer_id)
    )`,
    `CREATE INDEX reviews_product_idx ON reviews (product_id, hidden, id)`,
    `CREATE INDEX reviews_customer_idx ON reviews (customer_id)`,
    `CREATE TABLE price_history (
      id ${id(d)},
      product_id ${int(d)} NOT NULL REFERENCES products (id),
      old_price_cents ${int(d)} NOT NULL CHECK (old_price_cents >= 0),
      new_price_cents ${int(d)} NOT NULL CHECK (new_price_cents >= 0),
      changed_at TEXT NOT NULL,
      changed_by ${int(d)} REFERENCES customers (id)
    )`,
    `CREATE INDEX price_history_product_idx ON price_history (product_id, id)`,
    `CREATE TABLE discount_codes (
      code TEXT PRIMARY KEY CHECK (code = upper(code) AND length(code) BETWEEN 1 AND 64),
      type TEXT NOT NULL CHECK (type IN ('percentage', 'fixed')),
      value ${int(d)} NOT NULL CHECK (value > 0 AND (type = 'fixed' OR value <= 10000)),
      min_subtotal_cents ${int(d)} NOT NULL DEFAULT 0 CHECK (min_subtotal_cents >= 0),
      valid_from TEXT,
      valid_until TEXT,
      max_redemptions ${int(d)} CHECK (max_redemptions IS NULL OR max_redemptions >= 0),
      once_per_customer ${int(d)} NOT NULL DEFAULT 0 CHECK (once_per_customer IN (0, 1)),
      active ${int(d)} NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      redemption_count ${int(d)} NOT NULL DEFAULT 0 CHECK (redemption_count >= 0),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE discount_redemptions (
      id ${id(d)},
      code TEXT NOT NULL REFERENCES discount_codes (code),
      order_id ${int(d)} NOT NULL UNIQUE REFERENCES orders (id),
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      discount_cents ${int(d)} NOT NULL CHECK (discount_cents >= 0),
      created_at TEXT NOT NULL,
      released_at TEXT
    )`,
    `CREATE INDEX discount_redemptions_code_customer_idx ON discount_redemptions (code, customer_id)`,
    `CREATE TABLE cart_discounts (
      customer_id ${int(d)} PRIMARY KEY REFERENCES customers (id),
      code TEXT NOT NULL REFERENCES discount_codes (code),
      applied_at TEXT NOT NULL
    )`,
    `ALTER TABLE orders ADD COLUMN subtotal_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN discount_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN discount_code TEXT`,
    `UPDATE orders SET subtotal_cents = total_cents`,
    `CREATE TABLE product_images (
      id ${id(d)},
      product_id ${int(d)} NOT NULL REFERENCES products (id),
      position ${int(d)} NOT NULL CHECK (position >= 0),
      content_hash TEXT NOT NULL,
      mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
      size ${int(d)} NOT NULL CHECK (size > 0),
      width ${int(d)},
      height ${int(d)},
      created_at TEXT NOT NULL
    )`,
    `CREATE INDEX product_images_product_idx ON product_images (product_id, position, id)`,
    `CREATE INDEX product_images_hash_idx ON product_images (content_hash)`,
  ],
};
