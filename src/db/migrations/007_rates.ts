import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/**
 * The address book, shipping methods and tax rates (issue 9, part 2). Partial unique indexes keep
 * the invariants in the database itself: at most one default address per customer, one standard
 * rate per country and one rate per (country, category).
 */
export const rates: Migration = {
  version: 7,
  name: 'rates',
  up: (d: DialectName) => [
    `CREATE TABLE addresses (
      id ${id(d)},
      customer_id ${int(d)} NOT NULL REFERENCES customers (id),
      name TEXT NOT NULL,
      line1 TEXT NOT NULL,
      line2 TEXT,
      city TEXT NOT NULL,
      region TEXT,
      postal_code TEXT NOT NULL,
      country TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
      phone TEXT,
      is_default ${int(d)} NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE INDEX addresses_customer_idx ON addresses (customer_id, id)`,
    `CREATE UNIQUE INDEX addresses_one_default_idx ON addresses (customer_id) WHERE is_default = 1`,
    `CREATE TABLE shipping_methods (
      id ${id(d)},
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      price_cents ${int(d)} NOT NULL CHECK (price_cents >= 0),
      free_above_cents ${int(d)} CHECK (free_above_cents IS NULL OR free_above_cents >= 0),
      everywhere ${int(d)} NOT NULL DEFAULT 0 CHECK (everywhere IN (0, 1)),
      active ${int(d)} NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE shipping_method_countries (
      method_id ${int(d)} NOT NULL REFERENCES shipping_methods (id),
      country TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
      PRIMARY KEY (method_id, country)
    )`,
    `CREATE INDEX shipping_method_countries_country_idx ON shipping_method_countries (country, method_id)`,
    `CREATE TABLE tax_rates (
      id ${id(d)},
      country TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
      rate_milli ${int(d)} NOT NULL CHECK (rate_milli BETWEEN 0 AND 100000),
      category TEXT CHECK (category IS NULL OR length(category) BETWEEN 1 AND 100),
      name TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE UNIQUE INDEX tax_rates_standard_idx ON tax_rates (country) WHERE category IS NULL`,
    `CREATE UNIQUE INDEX tax_rates_category_idx ON tax_rates (country, category) WHERE category IS NOT NULL`,
  ],
};
