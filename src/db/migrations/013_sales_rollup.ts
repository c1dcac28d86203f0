import type { DialectName } from '../driver.js';
import { int, type Migration } from './types.js';

/**
 * The dashboard's summaries (issue 13), so it reads a constant number of rows at any size of the
 * order history:
 * - `sales_daily`: per UTC day of placing, current status and payment state, the number of
 *   orders and the sums of their totals and refunds;
 * - `customer_sales_monthly`: per calendar month of placing and customer, their orders that are
 *   sales (not cancelled) and what they spent — the month's top customers are its first rows.
 * Triggers on `orders` keep both in the transaction of every order write (checkout, status moves,
 * cancel, payments, refunds, the seeders, migrate-data), so no writer has to remember them.
 * `slot` (order id mod 16) spreads one day's checkouts over 16 rows; on PostgreSQL the triggers
 * are deferred to commit, so the summary rows are locked only for the commit itself.
 * Plus the index of the dashboard's low-stock variants.
 */
export const salesRollup: Migration = {
  version: 13,
  name: 'sales_rollup',
  up: (d: DialectName) => [
    `CREATE TABLE sales_daily (
      day TEXT NOT NULL,
      status TEXT NOT NULL,
      payment_status TEXT NOT NULL,
      slot ${int(d)} NOT NULL,
      orders ${int(d)} NOT NULL,
      total_cents ${int(d)} NOT NULL,
      refunded_cents ${int(d)} NOT NULL,
      PRIMARY KEY (day, status, payment_status, slot)
    )`,
    `CREATE TABLE customer_sales_monthly (
      month TEXT NOT NULL,
      customer_id ${int(d)} NOT NULL,
      orders ${int(d)} NOT NULL,
      total_cents ${int(d)} NOT NULL,
      PRIMARY KEY (month, customer_id)
    )`,
    'CREATE INDEX customer_sales_monthly_top_idx ON customer_sales_monthly (month, total_cents DESC, customer_id)',
    'CREATE INDEX product_variants_stock_idx ON product_variants (stock, id)',
    `INSERT INTO sales_daily (day, status, payment_status, slot, orders, total_cents, refunded_cents)
      SELECT substr(created_at, 1, 10), status, payment_status, id % ${SLOTS}, COUNT(*), SUM(total_cents), SUM(refunded_cents)
      FROM orders GROUP BY substr(created_at, 1, 10), status, payment_status, id % ${SLOTS}`,
    `INSERT INTO customer_sales_monthly (month, customer_id, orders, total_cents)
      SELECT substr(created_at, 1, 7), customer_id, COUNT(*), SUM(total_cents)
      FROM orders WHERE status <> 'cancelled' GROUP BY substr(created_at, 1, 7), customer_id`,
    ...(d === 'sqlite' ? sqliteTriggers() : postgresTriggers()),
  ],
};

export const SLOTS = 16;

/** `sign` is '' (add the row of `r`) or '-' (take it away); `r` is NEW or OLD. */
function daily(r: 'NEW' | 'OLD', sign: '' | '-'): string {
  return `INSERT INTO sales_daily (day, status, payment_status, slot, orders, total_cents, refunded_cents)
    VALUES (substr(${r}.created_at, 1, 10), ${r}.status, ${r}.payment_status, ${r}.id % ${SLOTS}, ${sign}1, ${sign}${r}.total_cents, ${sign}${r}.refunded_cents)
    ON CONFLICT (day, status, payment_status, slot) DO UPDATE SET orders = sales_daily.orders + excluded.orders,
      total_cents = sales_daily.total_cents + excluded.total_cents, refunded_cents = sales_daily.refunded_cents + excluded.refunded_cents`;
}

/** Cancelled orders are not sales: they leave the customer's month. */
function monthly(r: 'NEW' | 'OLD', sign: '' | '-'): string {
  return `INSERT INTO customer_sales_monthly (month, customer_id, orders, total_cents)
    SELECT substr(${r}.created_at, 1, 7), ${r}.customer_id, ${sign}1, ${sign}${r}.total_cents WHERE ${r}.status <> 'cancelled'
    ON CONFLICT (month, customer_id) DO UPDATE SET orders = customer_sales_monthly.orders + excluded.orders,
      total_cents = customer_sales_monthly.total_cents + excluded.total_cents`;
}

const CHANGED = `OLD.status IS NOT NEW.status OR OLD.payment_status IS NOT NEW.payment_status OR OLD.total_cents IS NOT NEW.total_cents
  OR OLD.refunded_cents IS NOT NEW.refunded_cents OR OLD.created_at IS NOT NEW.created_at OR OLD.customer_id IS NOT NEW.customer_id`;

function sqliteTriggers(): string[] {
  const m = monthly;
  return [
    `CREATE TRIGGER orders_rollup_insert AFTER INSERT ON orders BEGIN ${daily('NEW', '')}; ${m('NEW', '')}; END`,
    `CREATE TRIGGER orders_rollup_update AFTER UPDATE OF status, payment_status, total_cents, refunded_cents, created_at, customer_id ON orders
      WHEN ${CHANGED} BEGIN ${daily('OLD', '-')}; ${m('OLD', '-')}; ${daily('NEW', '')}; ${m('NEW', '')}; END`,
    `CREATE TRIGGER orders_rollup_delete AFTER DELETE ON orders BEGIN ${daily('OLD', '-')}; ${m('OLD', '-')}; END`,
  ];
}

const key = (r: 'NEW' | 'OLD') => `ROW(substr(${r}.created_at, 1, 10), ${r}.status, ${r}.payment_status, ${r}.id % ${SLOTS})`;

function postgresTriggers(): string[] {
  const changed = CHANGED.replace(/IS NOT/g, 'IS DISTINCT FROM');
  return [
    `CREATE FUNCTION storekeeper_orders_rollup() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN
      IF TG_OP = 'UPDATE' AND NOT (${changed}) THEN RETURN NULL; END IF;
      -- Two summary rows are locked in key order, whatever the move, so two moves never deadlock.
      IF TG_OP = 'UPDATE' AND ${key('NEW')} < ${key('OLD')} THEN
        ${daily('NEW', '')}; ${daily('OLD', '-')}; ${monthly('NEW', '')}; ${monthly('OLD', '-')};
      ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${daily('OLD', '-')}; END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN ${daily('NEW', '')}; END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${monthly('OLD', '-')}; END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN ${monthly('NEW', '')}; END IF;
      END IF;
      RETURN NULL;
    END $body$`,
    `CREATE CONSTRAINT TRIGGER orders_rollup AFTER INSERT OR DELETE OR UPDATE OF status, payment_status, total_cents, refunded_cents, created_at, customer_id
      ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION storekeeper_orders_rollup()`,
    // TRUNCATE fires no row trigger (migrate-data --force empties the target with it).
    `CREATE FUNCTION storekeeper_orders_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN DELETE FROM sales_daily; DELETE FROM customer_sales_monthly; RETURN NULL; END $body$`,
    'CREATE TRIGGER orders_rollup_truncate AFTER TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION storekeeper_orders_rollup_truncate()',
  ];
}
