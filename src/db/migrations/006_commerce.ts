import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/**
 * The commerce model (issue 9, docs/COMMERCE.md): the shop's settings, product options and
 * variants (each product's existing stock becomes its default variant, whose id is the product's
 * id, so the ledger and carts can be carried over by a plain copy), guest carts, and the columns
 * orders need for addresses, shipping and tax.
 */
export const commerce: Migration = {
  version: 6,
  name: 'commerce',
  up: (d: DialectName) => [
    `CREATE TABLE shop_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // A shop that already holds amounts ran on the old default: its amounts are USD cents.
    `INSERT INTO shop_settings (key, value) SELECT 'currency', 'USD'
      WHERE EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM discount_codes)`,
    `ALTER TABLE products ADD COLUMN options TEXT NOT NULL DEFAULT '[]'`,
    `CREATE TABLE product_variants (
      id ${id(d)},
      product_id ${int(d)} NOT NULL REFERENCES products (id),
      sku TEXT UNIQUE CHECK (sku IS NULL OR length(sku) BETWEEN 1 AND 64),
      title TEXT NOT NULL,
      option_values TEXT NOT NULL DEFAULT '{}',
      price_cents ${int(d)} CHECK (price_cents IS NULL OR price_cents >= 0),
      stock ${int(d)} NOT NULL CHECK (stock >= 0),
      weight_grams ${int(d)} CHECK (weight_grams IS NULL OR weight_grams >= 0),
      is_default ${int(d)} NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE INDEX product_variants_product_idx ON product_variants (product_id, id)`,
    `INSERT INTO product_variants (id, product_id, sku, title, option_values, price_cents, stock, weight_grams, is_default, created_at, updated_at)
      SELECT id, id, NULL, 'Default', '{}', NULL, stock, NULL, 1, created_at, updated_at FROM products`,
    ...(d === 'postgres'
      ? [`SELECT setval(pg_get_serial_sequence('product_variants', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM product_variants), false)`]
      : []),
    `ALTER TABLE inventory_movements ADD COLUMN variant_id ${int(d)} REFERENCES product_variants (id)`,
    `UPDATE inventory_movements SET variant_id = product_id`,
    `CREATE INDEX inventory_movements_variant_idx ON inventory_movements (variant_id, id)`,
    `CREATE TABLE guest_carts (
      id ${id(d)},
      token_hash TEXT NOT NULL UNIQUE,
      discount_code TEXT REFERENCES discount_codes (code),
      created_at TEXT NOT NULL,
      touched_at TEXT NOT NULL
    )`,
    `CREATE INDEX guest_carts_touched_idx ON guest_carts (touched_at)`,
    // Nothing references cart_items, so it is rebuilt with an owner of either kind and a variant.
    `CREATE TABLE cart_lines_new (
      id ${id(d)},
      customer_id ${int(d)} REFERENCES customers (id),
      guest_cart_id ${int(d)} REFERENCES guest_carts (id) ON DELETE CASCADE,
      product_id ${int(d)} NOT NULL REFERENCES products (id),
      variant_id ${int(d)} NOT NULL REFERENCES product_variants (id),
      quantity ${int(d)} NOT NULL CHECK (quantity > 0),
      added_at TEXT NOT NULL,
      CHECK ((customer_id IS NULL) <> (guest_cart_id IS NULL))
    )`,
    `INSERT INTO cart_lines_new (customer_id, product_id, variant_id, quantity, added_at)
      SELECT customer_id, product_id, product_id, quantity, added_at FROM cart_items ORDER BY customer_id, product_id`,
    `DROP TABLE cart_items`,
    `ALTER TABLE cart_lines_new RENAME TO cart_items`,
    `CREATE UNIQUE INDEX cart_items_customer_variant_idx ON cart_items (customer_id, variant_id)`,
    `CREATE UNIQUE INDEX cart_items_guest_variant_idx ON cart_items (guest_cart_id, variant_id)`,
    `CREATE INDEX cart_items_variant_idx ON cart_items (variant_id)`,
    `ALTER TABLE customers ADD COLUMN guest ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE customers ADD COLUMN email_verified_at TEXT`,
    `ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD'`,
    `ALTER TABLE orders ADD COLUMN shipping_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN shipping_tax_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN tax_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN prices_include_tax ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN shipping_method_id ${int(d)}`,
    `ALTER TABLE orders ADD COLUMN shipping_method_name TEXT`,
    `ALTER TABLE orders ADD COLUMN shipping_address TEXT`,
    `ALTER TABLE orders ADD COLUMN billing_address TEXT`,
    `ALTER TABLE orders ADD COLUMN placed_as_guest ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE orders ADD COLUMN access_token_hash TEXT`,
    `ALTER TABLE order_items ADD COLUMN variant_id ${int(d)} REFERENCES product_variants (id)`,
    `ALTER TABLE order_items ADD COLUMN sku TEXT`,
    `ALTER TABLE order_items ADD COLUMN variant_title TEXT`,
    `ALTER TABLE order_items ADD COLUMN discount_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE order_items ADD COLUMN tax_cents ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE order_items ADD COLUMN tax_rate_milli ${int(d)} NOT NULL DEFAULT 0`,
    `UPDATE order_items SET variant_id = product_id, variant_title = 'Default'`,
    `CREATE INDEX order_items_variant_idx ON order_items (variant_id)`,
    // Stock changes of a variant always update its product row too (which bumps the version);
    // these cover what only a variant row carries.
    ...(d === 'sqlite'
      ? [
          `CREATE TRIGGER product_variants_version_insert AFTER INSERT ON product_variants BEGIN ${BUMP} END`,
          `CREATE TRIGGER product_variants_version_update AFTER UPDATE OF sku, title, option_values, price_cents, weight_grams ON product_variants BEGIN ${BUMP} END`,
          `CREATE TRIGGER product_variants_version_delete AFTER DELETE ON product_variants BEGIN ${BUMP} END`,
        ]
      : [
          `CREATE CONSTRAINT TRIGGER product_variants_version AFTER INSERT OR DELETE OR UPDATE OF sku, title, option_values, price_cents, weight_grams
            ON product_variants DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION storekeeper_bump_catalog_version()`,
        ]),
  ],
};

const BUMP = 'UPDATE catalog_version SET version = version + 1 WHERE shard = 0;';
