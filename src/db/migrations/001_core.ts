import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

export const core: Migration = {
    version: 1,
    name: 'core',
    up: (d: DialectName) => [
      `CREATE TABLE customers (
        id ${id(d)},
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL CHECK (length(name) > 0),
        address TEXT,
        phone TEXT,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE products (
        id ${id(d)},
        name TEXT NOT NULL CHECK (length(name) > 0),
        description TEXT NOT NULL DEFAULT '',
        price_cents ${int(d)} NOT NULL CHECK (price_cents >= 0),
        stock ${int(d)} NOT NULL CHECK (stock >= 0),
        category TEXT,
        image_url TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE INDEX products_category_idx ON products (category, id)`,
      `CREATE INDEX products_created_at_idx ON products (created_at)`,
      `CREATE INDEX products_stock_idx ON products (stock)`,
      `CREATE TABLE orders (
        id ${id(d)},
        customer_id ${int(d)} NOT NULL REFERENCES customers (id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
        total_cents ${int(d)} NOT NULL CHECK (total_cents >= 0),
        idempotency_key TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE UNIQUE INDEX orders_idempotency_idx ON orders (customer_id, idempotency_key)`,
      `CREATE INDEX orders_customer_idx ON orders (customer_id, created_at)`,
      `CREATE INDEX orders_status_idx ON orders (status, created_at)`,
      `CREATE INDEX orders_created_at_idx ON orders (created_at)`,
      `CREATE TABLE order_items (
        id ${id(d)},
        order_id ${int(d)} NOT NULL REFERENCES orders (id),
        product_id ${int(d)} NOT NULL REFERENCES products (id),
        product_name TEXT NOT NULL,
        quantity ${int(d)} NOT NULL CHECK (quantity > 0),
        price_cents ${int(d)} NOT NULL CHECK (price_cents >= 0)
      )`,
      `CREATE INDEX order_items_order_idx ON order_items (order_id)`,
      `CREATE INDEX order_items_product_idx ON order_items (product_id)`,
      `CREATE TABLE cart_items (
        customer_id ${int(d)} NOT NULL REFERENCES customers (id),
        product_id ${int(d)} NOT NULL REFERENCES products (id),
        quantity ${int(d)} NOT NULL CHECK (quantity > 0),
        added_at TEXT NOT NULL,
        PRIMARY KEY (customer_id, product_id)
      )`,
      `CREATE INDEX cart_items_product_idx ON cart_items (product_id)`,
      `CREATE TABLE inventory_movements (
        id ${id(d)},
        product_id ${int(d)} NOT NULL REFERENCES products (id),
        delta ${int(d)} NOT NULL,
        reason TEXT NOT NULL,
        order_id ${int(d)} REFERENCES orders (id),
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX inventory_movements_product_idx ON inventory_movements (product_id, id)`,
      `CREATE INDEX inventory_movements_order_idx ON inventory_movements (order_id)`,
      `CREATE TABLE order_status_history (
        id ${id(d)},
        order_id ${int(d)} NOT NULL REFERENCES orders (id),
        status TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id)`,
    ],
  };
