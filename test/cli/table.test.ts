import { describe, expect, it } from 'vitest';
import { formatCents, renderTable } from '../../src/cli/table.js';

describe('renderTable', () => {
  it('pads columns to the widest cell and right-aligns numeric columns', () => {
    const out = renderTable(
      ['Name', 'Qty', 'Price'],
      [
        ['Laptop', 1, '999.99'],
        ['Mouse', 12, '29.99'],
      ],
      { footer: ['Total', '', '1029.98'] },
    );
    expect(out.split('\n')).toEqual([
      'Name    Qty    Price',
      '------  ---  -------',
      'Laptop    1   999.99',
      'Mouse    12    29.99',
      '------  ---  -------',
      'Total        1029.98',
    ]);
  });

  it('prints headers and the rule when there are no rows, and honours explicit alignment', () => {
    expect(renderTable(['A', 'Bee'], [])).toBe('A  Bee\n-  ---');
    expect(renderTable(['Code'], [['7'], ['42']], { align: ['left'], indent: '  ' })).toBe('  Code\n  ----\n  7\n  42');
  });
});

describe('formatCents', () => {
  it('shows integer cents with exactly two decimals', () => {
    expect(formatCents(113996)).toBe('1139.96');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(-250)).toBe('-2.50');
  });
});
