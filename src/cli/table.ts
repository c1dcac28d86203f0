/** A plain-text table: headers, a rule, one line per row; numbers (and money) align right. */
export type Cell = string | number | null | undefined;
export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column; by default a column is right-aligned when every value in it is a number or looks like one. */
  align?: readonly Align[];
  /** Text put before every line (e.g. an indent). */
  indent?: string;
  /** A last row under its own rule, e.g. a total. */
  footer?: readonly Cell[];
}

const NUMERIC = /^-?\d[\d,]*(\.\d+)?%?$/;

const show = (cell: Cell): string => (cell === null || cell === undefined ? '' : String(cell));

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const text = rows.map((row) => headers.map((_, i) => show(row[i])));
  const footer = options.footer ? headers.map((_, i) => show(options.footer![i])) : undefined;
  const widths = headers.map((h, i) => Math.max(h.length, footer?.[i]?.length ?? 0, ...text.map((row) => row[i]!.length)));
  const align = headers.map(
    (_, i) => options.align?.[i] ?? (text.length > 0 && text.every((row) => row[i] === '' || NUMERIC.test(row[i]!)) ? 'right' : 'left'),
  );
  const pad = (value: string, i: number) => (align[i] === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => (options.indent ?? '') + cells.map(pad).join('  ').trimEnd();
  const rule = line(widths.map((w) => '-'.repeat(w)));
  const lines = [line(headers), rule, ...text.map(line)];
  if (footer) lines.push(rule, line(footer));
  return lines.join('\n');
}

/** Integer cents as a currency amount with exactly two decimals, without float arithmetic. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
