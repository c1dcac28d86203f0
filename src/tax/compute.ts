import { ValidationError } from '../errors.js';
import type { TaxRate } from './service.js';

/**
 * The totals calculator: pure, exact integer arithmetic on minor units. Products of an amount and
 * a rate or a discount can pass 2^53, so they are taken in BigInt; every result is a safe integer.
 * The rules are in docs/SHIPPING-TAX.md, with the worked example the tests check.
 */

/** One cart or order line: `amountCents` = quantity × unit price. */
export interface TotalsLine {
  amountCents: number;
  category: string | null;
}

export interface TotalsInput {
  lines: readonly TotalsLine[];
  discountCents: number;
  shippingCents: number;
  /** The destination's rates; [] = no tax. */
  rates: readonly TaxRate[];
  pricesIncludeTax: boolean;
}

export interface LineTotals {
  discountCents: number;
  taxCents: number;
  taxRatePercent: number;
}

export interface Totals {
  subtotalCents: number;
  discountCents: number;
  shippingCents: number;
  shippingTaxCents: number;
  shippingTaxRatePercent: number;
  /** Lines and shipping. */
  taxCents: number;
  /** subtotal − discount + shipping (+ tax when prices are net). */
  totalCents: number;
  /** Same order as the input lines. */
  lines: LineTotals[];
}

/** A percent in thousandths: 100 % = 100 000. */
const HUNDRED_PERCENT_MILLI = 100_000n;

function cents(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${path} must be a non-negative integer number of minor units`, [{ path, message: 'must be a non-negative safe integer' }]);
  }
  return value;
}

function safe(value: bigint, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError(`${path} is too large`, [{ path, message: 'exceeds the largest exact amount' }]);
  return Number(value);
}

/** round(numerator / denominator), halves away from zero; both non-negative. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

/**
 * Splits `discountCents` over the amounts in proportion to them: each share is
 * floor(amount × discount / sum), and the cents that leaves over go to the largest line (the first
 * of equal ones). A share never exceeds its line: in the rare case where the remainder does not fit
 * on the largest line (many tiny lines), what is left goes to the next largest, and so on.
 * The shares add up to the discount exactly.
 */
export function spreadDiscount(amounts: readonly number[], discountCents: number): number[] {
  const values = amounts.map((a, i) => cents(a, `lines[${i}].amountCents`));
  const discount = cents(discountCents, 'discountCents');
  const sum = values.reduce((s, a) => s + BigInt(a), 0n);
  if (BigInt(discount) > sum) {
    throw new ValidationError('discountCents must not exceed the subtotal', [{ path: 'discountCents', message: 'must be <= the sum of the line amounts' }]);
  }
  if (discount === 0) return values.map(() => 0);
  const d = BigInt(discount);
  const shares = values.map((a) => Number((BigInt(a) * d) / sum));
  let remainder = discount - shares.reduce((s, x) => s + x, 0);
  const bySize = values.map((a, i) => i).sort((i, j) => values[j]! - values[i]! || i - j);
  for (const i of bySize) {
    if (remainder === 0) break;
    const room = Math.min(remainder, values[i]! - shares[i]!);
    shares[i]! += room;
    remainder -= room;
  }
  return shares;
}

interface Rate {
  milli: bigint;
  percent: number;
}

const NO_TAX: Rate = { milli: 0n, percent: 0 };

function rateOf(rate: TaxRate, i: number): Rate {
  const milli = rate.rateMilli;
  if (typeof milli !== 'number' || !Number.isSafeInteger(milli) || milli < 0 || milli > 100_000) {
    throw new ValidationError(`rates[${i}].rateMilli must be an integer between 0 and 100000`, [{ path: `rates[${i}].rateMilli`, message: 'must be 0..100000' }]);
  }
  return { milli: BigInt(milli), percent: milli / 1000 };
}

/**
 * Discount spread over the lines, tax per line on (amount − share) at the line category's rate,
 * else the standard rate (the one without category), shipping at the standard rate; every tax
 * rounded half-up on its own. Net prices: tax = round(a × r / 100), added to the total. Gross
 * prices: tax = round(a × r / (100 + r)), already inside the total.
 */
export function computeTotals(input: TotalsInput): Totals {
  const amounts = input.lines.map((l, i) => cents(l.amountCents, `lines[${i}].amountCents`));
  const subtotal = safe(
    amounts.reduce((s, a) => s + BigInt(a), 0n),
    'subtotalCents',
  );
  const discount = cents(input.discountCents, 'discountCents');
  const shipping = cents(input.shippingCents, 'shippingCents');
  const shares = spreadDiscount(amounts, discount);

  let standard: Rate = NO_TAX;
  let hasStandard = false;
  const byCategory = new Map<string, Rate>();
  input.rates.forEach((r, i) => {
    const rate = rateOf(r, i);
    if (r.category === null) {
      if (!hasStandard) [standard, hasStandard] = [rate, true];
    } else if (!byCategory.has(r.category)) {
      byCategory.set(r.category, rate);
    }
  });
  const taxOn = (amount: number, rate: Rate): bigint => {
    if (rate.milli === 0n || amount === 0) return 0n;
    const a = BigInt(amount);
    return input.pricesIncludeTax ? divideHalfUp(a * rate.milli, HUNDRED_PERCENT_MILLI + rate.milli) : divideHalfUp(a * rate.milli, HUNDRED_PERCENT_MILLI);
  };

  let tax = 0n;
  const lines = input.lines.map((line, i): LineTotals => {
    const rate = (line.category !== null && byCategory.get(line.category)) || standard;
    const lineTax = taxOn(amounts[i]! - shares[i]!, rate);
    tax += lineTax;
    return { discountCents: shares[i]!, taxCents: Number(lineTax), taxRatePercent: rate.percent };
  });
  const shippingTax = taxOn(shipping, standard);
  tax += shippingTax;
  const total = BigInt(subtotal) - BigInt(discount) + BigInt(shipping) + (input.pricesIncludeTax ? 0n : tax);
  return {
    subtotalCents: subtotal,
    discountCents: discount,
    shippingCents: shipping,
    shippingTaxCents: Number(shippingTax),
    shippingTaxRatePercent: standard.percent,
    taxCents: safe(tax, 'taxCents'),
    totalCents: safe(total, 'totalCents'),
    lines,
  };
}
