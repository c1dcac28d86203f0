import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Driver } from '../db/driver.js';
import { ValidationError } from '../errors.js';
import { AdminQueries, day, decodePosition, type OrderFilter, type Position } from '../admin/queries.js';
import { MAX_OPTIONS, variantsOf } from '../catalog/variants.js';
import { USD, type Currency } from '../money.js';
import { formatAmount, PRODUCT_COLUMNS } from './import-format.js';

export const EXPORT_KINDS = ['products', 'orders', 'customers', 'inventory'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Rows fetched per query: each page is its own short read, so no transaction stays open for the export. */
const PAGE = 1000;

type Cell = string | number | null;

/**
 * One row per variant in the import's format (src/csv/import-format.ts), so an export edited in
 * a spreadsheet imports back: `product` is the product's id, the product's fields repeat on each
 * of its rows, `variant_price` is empty when the variant takes the product's price.
 */
async function* products(db: Driver, currency: Currency): AsyncGenerator<Cell[]> {
  yield [...PRODUCT_COLUMNS];
  let after = 0;
  for (;;) {
    const rows = await db.all<{ id: number; name: string; description: string; category: string | null; price_cents: number }>(
      'SELECT id, name, description, category, price_cents FROM products WHERE id > ? ORDER BY id LIMIT ?',
      [after, PAGE],
    );
    if (rows.length === 0) return;
    const variants = await variantsOf(db, rows.map((r) => r.id));
    for (const r of rows) {
      for (const v of variants.get(r.id) ?? []) {
        const options = Object.entries(JSON.parse(v.option_values) as Record<string, string>);
        const cells: Cell[] = [r.id, v.sku, r.name, r.description, r.category, formatAmount(Number(r.price_cents), currency)];
        cells.push(v.price_cents === null ? null : formatAmount(Number(v.price_cents), currency), v.stock, v.weight_grams);
        for (let i = 0; i < MAX_OPTIONS; i++) cells.push(options[i]?.[0] ?? null, options[i]?.[1] ?? null);
        yield cells;
      }
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

async function* orders(db: Driver, filter: OrderFilter, currency: Currency): AsyncGenerator<Cell[]> {
  const amount = (minor: number) => formatAmount(minor, currency);
  yield ['id', 'created_at', 'status', 'customer_id', 'email', 'name', 'subtotal', 'discount', 'discount_code', 'total', 'payment_status', 'paid', 'refunded'];
  const queries = new AdminQueries(db);
  let after: Position | null = null;
  for (;;) {
    const page = await queries.orders(filter, after, PAGE);
    for (const o of page.items) {
      yield [
        o.id,
        o.createdAt,
        o.status,
        o.customerId,
        o.email,
        o.name,
        amount(o.subtotalCents),
        amount(o.discountCents),
        o.discountCode,
        amount(o.totalCents),
        o.paymentStatus,
        amount(o.paidCents),
        amount(o.refundedCents),
      ];
    }
    if (!page.next) return;
    after = decodePosition(page.next);
  }
}

async function* customers(db: Driver): AsyncGenerator<Cell[]> {
  yield ['id', 'email', 'name', 'phone', 'address', 'created_at'];
  let after = 0;
  for (;;) {
    const rows = await db.all<{ id: number; email: string; name: string; phone: string | null; address: string | null; created_at: string }>(
      'SELECT id, email, name, phone, address, created_at FROM customers WHERE id > ? ORDER BY id LIMIT ?',
      [after, PAGE],
    );
    for (const r of rows) yield [r.id, r.email, r.name, r.phone, r.address, r.created_at];
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

async function* inventory(db: Driver): AsyncGenerator<Cell[]> {
  yield ['id', 'product_id', 'delta', 'reason', 'order_id', 'created_at'];
  let after = 0;
  for (;;) {
    const rows = await db.all<{ id: number; product_id: number; delta: number; reason: string; order_id: number | null; created_at: string }>(
      'SELECT id, product_id, delta, reason, order_id, created_at FROM inventory_movements WHERE id > ? ORDER BY id LIMIT ?',
      [after, PAGE],
    );
    for (const r of rows) yield [r.id, r.product_id, r.delta, r.reason, r.order_id, r.created_at];
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * A CSV export as a stream: rows are read a page at a time as the consumer pulls, so memory stays
 * flat whatever the size, and a slow client slows the reads instead of filling a buffer.
 * Amounts are decimal strings in the shop currency's units (`currency`, with its own decimals);
 * every export starts with a header row.
 */
export function exportCsv(db: Driver, kind: ExportKind, options: { orders?: OrderFilter; currency?: Currency } = {}): Readable {
  const source =
    kind === 'products' ? products(db, options.currency ?? USD) : kind === 'orders' ? orders(db, options.orders ?? {}, options.currency ?? USD) : kind === 'customers' ? customers(db) : kind === 'inventory' ? inventory(db) : null;
  if (!source) throw new ValidationError(`Unknown export ${String(kind)}`, [{ path: 'kind', message: `must be one of ${EXPORT_KINDS.join(', ')}` }]);
  if (kind === 'orders') {
    // Checked before the first byte: once streaming, an error can only cut the file short.
    day(options.orders?.from, 'from');
    day(options.orders?.to, 'to');
  }
  // pipeline: a failed read destroys the CSV stream with the error instead of leaving it hanging.
  return pipeline(Readable.from(source, { objectMode: true, highWaterMark: 64 }), stringify(), () => undefined);
}
