import { describe, expect, it } from 'vitest';
import { fromCents, toCents, ValidationError } from '../../src/index.js';
import { MAX_CENTS } from '../../src/money.js';

describe('toCents', () => {
  it.each<[number, number]>([
    [0, 0],
    [0.01, 1],
    [0.07, 7],
    [0.1, 10],
    [0.3, 30],
    [1.1, 110],
    [4.35, 435], // 4.35 * 100 is 434.99999999999994 in binary floating point
    [19.99, 1999],
    [29.99, 2999],
    [999.99, 99999],
    [1139.96, 113996],
    [1e9, 1e11],
    [MAX_CENTS / 100, MAX_CENTS],
  ])('%d → %d', (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it('-0 is zero cents, not negative zero', () => {
    expect(Object.is(toCents(-0), 0)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['0.1 + 0.2 (float noise)', 0.1 + 0.2],
    ['19.999', 19.999],
    ['1.005', 1.005],
    ['1e-7', 1e-7],
    ['1e21', 1e21],
    ['1e20 (too large)', 1e20],
    ['just over the maximum', MAX_CENTS / 100 + 0.01],
    ['-0.01', -0.01],
    ['-1', -1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a numeric string', '9.99'],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 10n],
    ['a Number object', new Number(5)],
  ])('refuses %s with validation_failed', (_label, amount) => {
    let caught: unknown;
    try {
      toCents(amount);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('validation_failed');
  });

  it('names the field in the error', () => {
    try {
      toCents(-5, 'unitPrice');
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).details[0]!.path).toBe('unitPrice');
    }
  });
});

describe('fromCents', () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 0.01],
    [10, 0.1],
    [99999, 999.99],
    [113996, 1139.96],
    [MAX_CENTS, MAX_CENTS / 100],
  ])('%d → %d', (cents, amount) => {
    expect(fromCents(cents)).toBe(amount);
  });

  it('round-trips every amount up to 1000.00 exactly', () => {
    for (let c = 0; c <= 100_000; c++) {
      if (toCents(fromCents(c)) !== c) throw new Error(`round trip failed for ${c}`);
    }
  });

  it('sums in cents are exact where float sums are not', () => {
    const prices = [0.1, 0.1, 0.1];
    expect(prices.reduce((a, b) => a + b, 0)).not.toBe(0.3); // the bug integer cents avoid
    expect(fromCents(prices.map((p) => toCents(p)).reduce((a, b) => a + b, 0))).toBe(0.3);
    expect(fromCents([999.99, 29.99, 29.99, 79.99].map((p) => toCents(p)).reduce((a, b) => a + b, 0))).toBe(1139.96);
  });
});
