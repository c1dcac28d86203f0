import { MAX_OPTIONS, sku as parseSku } from '../catalog/variants.js';
import { StorekeeperError, ValidationError } from '../errors.js';
import { toMinor, type Currency } from '../money.js';
import * as v from '../validate.js';

/**
 * The product CSV format, shared by the export and the import (docs/ADMIN.md, "CSV product
 * import"): one row per variant, the rows of one product grouped by the `product` column.
 */
export const PRODUCT_COLUMNS = [
  'product',
  'sku',
  'name',
  'description',
  'category',
  'price',
  'variant_price',
  'stock',
  'weight_grams',
  'option1_name',
  'option1_value',
  'option2_name',
  'option2_value',
  'option3_name',
  'option3_value',
] as const;
export type ProductColumn = (typeof PRODUCT_COLUMNS)[number];
const REQUIRED: readonly ProductColumn[] = ['product', 'sku'];

/** The largest file the import reads (bytes), and the most rows. Larger files are refused whole, before any read of the catalog. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 50_000;

/** A row's cells as validated values; `undefined` = the column is not in the file (leave the field as it is). */
export interface ImportRow {
  line: number;
  product: string;
  sku: string | null;
  name?: string;
  description?: string;
  category?: string | null;
  priceCents?: number;
  /** null: the variant takes the product's price. */
  variantPriceCents?: number | null;
  /** null: the cell is empty, the stock stays as it is (0 for a new variant). */
  stock?: number | null;
  weightGrams?: number | null;
  /** Option name → value, in the file's order; empty when the row names no options. */
  options: [string, string][];
  /** The row's product-level cells as written (to check that a product's rows agree). */
  productCells: Partial<Record<'name' | 'description' | 'category' | 'price', string>>;
  /** Why the row cannot be imported, whatever the catalog holds. */
  refusal?: string;
}

export interface ParsedFile {
  columns: ProductColumn[];
  rows: ImportRow[];
}

function refuse(message: string): never {
  throw new ValidationError(message, [{ path: 'file', message }]);
}

/** Bytes → text: UTF-8 (with or without BOM) only; a binary file is refused as not CSV. */
export function csvText(input: string | Uint8Array): string {
  if (typeof input === 'string') {
    if (input.length > MAX_IMPORT_BYTES) tooLarge();
    return input;
  }
  if (input.byteLength > MAX_IMPORT_BYTES) tooLarge();
  if (input.includes(0)) refuse('The file is not a CSV text file (it contains binary data)');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return refuse('The file is not UTF-8 text; save the CSV as UTF-8 and upload it again');
  }
}

function tooLarge(): never {
  throw new StorekeeperError('payload_too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into several files`);
}

const newlines = (cells: readonly string[]): number => cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);

/**
 * Parses a product CSV: the header must name `product` and `sku` and only known columns; every
 * later row is validated on its own (a bad row is refused with its line number, the others go on).
 * A file that is not CSV at all, or too large, is a ValidationError and nothing is read further.
 */
export async function parseProductCsv(input: string | Uint8Array, currency: Currency): Promise<ParsedFile> {
  // csv-parse is an optional dependency: loaded by the import alone, so the library runs without it.
  const { parse } = await import('csv-parse/sync').catch((e: unknown) => {
    throw new Error(`Importing CSV needs the optional dependency csv-parse (npm install csv-parse): ${(e as Error).message}`);
  });
  // One kind of line break (also inside quoted cells), so line numbers count as an editor does.
  const text = csvText(input).replace(/\r\n?/g, '\n');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 1024 * 1024 }) as unknown as typeof records;
  } catch (e) {
    return refuse(`The file is not valid CSV: ${(e as Error).message}`);
  }
  const head = records[0];
  if (!head) return refuse('The file is empty; it needs a header row (product,sku,name,…)');
  const columns = head.record.map((c) => c.trim().toLowerCase());
  const unknown = columns.filter((c) => !(PRODUCT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    return refuse(`Line 1: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${PRODUCT_COLUMNS.join(', ')}`);
  }
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) return refuse(`Line 1: the column "${twice}" is there twice`);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) return refuse(`Line 1: the header needs the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (records.length - 1 > MAX_IMPORT_ROWS) return refuse(`The file has ${records.length - 1} rows; at most ${MAX_IMPORT_ROWS} per import, split it`);
  const typed = columns as ProductColumn[];
  const rows = records.slice(1).map(({ record, info }) => {
    const line = info.lines - newlines(record);
    if (record.length !== typed.length) return broken(line, record, typed, `has ${record.length} cells, the header has ${typed.length}`);
    const cells: Partial<Record<ProductColumn, string>> = {};
    typed.forEach((c, i) => (cells[c] = record[i]!));
    try {
      return readRow(line, cells, currency);
    } catch (e) {
      if (e instanceof ValidationError) return broken(line, record, typed, e.message);
      throw e;
    }
  });
  return { columns: typed, rows };
}

/** A refused row keeps what can be read of its product key and SKU, for the report. */
function broken(line: number, record: readonly string[], columns: readonly ProductColumn[], refusal: string): ImportRow {
  const at = (c: ProductColumn) => (record[columns.indexOf(c)] ?? '').trim();
  return { line, product: at('product'), sku: at('sku') || null, options: [], productCells: {}, refusal };
}

/** Minor units as a decimal string in the currency's decimals, for the report. */
export function formatAmount(minor: number, c: Currency): string {
  if (c.decimals === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const unit = 10 ** c.decimals;
  return `${sign}${Math.trunc(abs / unit)}.${String(abs % unit).padStart(c.decimals, '0')}`;
}

const decimalPattern = /^\d+(\.\d+)?$/;

/** A decimal amount cell ("12.50") in minor units of the shop's currency, exactly. */
function amount(cell: string, column: string, currency: Currency): number {
  const t = cell.trim();
  if (!decimalPattern.test(t)) throw new ValidationError(`${column} "${t}" is not an amount like 12.50`);
  const [whole, fraction = ''] = t.split('.');
  if (fraction.length > currency.decimals) {
    throw new ValidationError(`${column} ${t} has more than ${currency.decimals} decimals (${currency.code})`);
  }
  // toMinor checks the range; the string goes in as a number only after the decimals are known to fit.
  return toMinor(Number(`${whole}.${fraction || '0'}`), column, currency);
}

function wholeNumber(cell: string, column: string, max: number): number {
  const t = cell.trim();
  if (!/^\d{1,15}$/.test(t)) throw new ValidationError(`${column} "${t}" is not a whole number of 0 or more`);
  return v.integer(Number(t), column, 0, max);
}

function readRow(line: number, cells: Partial<Record<ProductColumn, string>>, currency: Currency): ImportRow {
  const product = v.text(cells.product ?? '', 'product', 100);
  if (product === '') throw new ValidationError('product is empty; it groups the rows of one product (the product id in an export)');
  const skuCell = (cells.sku ?? '').trim();
  const row: ImportRow = { line, product, sku: skuCell === '' ? null : parseSku(skuCell, 'sku'), options: [], productCells: {} };
  if (cells.name !== undefined) row.productCells.name = cells.name.trim();
  if (cells.description !== undefined) row.productCells.description = cells.description.trim();
  if (cells.category !== undefined) row.productCells.category = cells.category.trim();
  if (cells.price !== undefined) row.productCells.price = cells.price.trim();
  if (cells.name !== undefined && cells.name.trim() !== '') row.name = v.text(cells.name, 'name', 200, 1);
  if (cells.description !== undefined) row.description = v.text(cells.description, 'description', 10_000);
  if (cells.category !== undefined) row.category = v.optionalText(cells.category, 'category', 100);
  if (cells.price !== undefined && cells.price.trim() !== '') row.priceCents = amount(cells.price, 'price', currency);
  if (cells.variant_price !== undefined) row.variantPriceCents = cells.variant_price.trim() === '' ? null : amount(cells.variant_price, 'variant_price', currency);
  if (cells.stock !== undefined) row.stock = cells.stock.trim() === '' ? null : wholeNumber(cells.stock, 'stock', v.MAX_STOCK);
  if (cells.weight_grams !== undefined) row.weightGrams = cells.weight_grams.trim() === '' ? null : wholeNumber(cells.weight_grams, 'weight_grams', 1_000_000_000);
  for (let i = 1; i <= MAX_OPTIONS; i++) {
    const name = (cells[`option${i}_name` as ProductColumn] ?? '').trim();
    const value = (cells[`option${i}_value` as ProductColumn] ?? '').trim();
    if (name === '' && value === '') continue;
    if (name === '') throw new ValidationError(`option${i}_value "${value}" has no option${i}_name`);
    if (value === '') throw new ValidationError(`option${i}_name "${name}" has no option${i}_value`);
    v.text(name, `option${i}_name`, 50, 1);
    v.text(value, `option${i}_value`, 50, 1);
    if (name.includes('"')) throw new ValidationError(`option${i}_name must not contain double quotes`);
    if (row.options.some(([n]) => n.toLowerCase() === name.toLowerCase())) throw new ValidationError(`the option ${name} is named twice`);
    row.options.push([name, value]);
  }
  return row;
}
