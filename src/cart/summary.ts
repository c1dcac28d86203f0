import type { Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { DiscountInvalidError, ValidationError } from '../errors.js';
import { fromMinor } from '../money.js';
import { assertUsable, discountCents, unknownCode } from '../promotions/discount.js';
import { readCode, usedBy } from '../promotions/redeem.js';
import { isCountryCode } from '../geo/countries.js';
import { hasShippingMethods, quoteShipping, shippingMethodsFor, type ShippingQuote } from '../shipping/service.js';
import type { ShopSettings } from '../shop/settings.js';
import { computeTotals } from '../tax/compute.js';
import { taxRatesFor } from '../tax/service.js';
import * as v from '../validate.js';
import { resolveOwner, type CartOwner, type OwnerRef } from './owner.js';
import { cartLines, toCartItem, type CartItem, type CartRow } from './service.js';

/** An ISO 3166-1 alpha-2 code (upper-cased), else a validation error (400). */
export function countryCode(value: unknown, path = 'country'): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!isCountryCode(code)) {
    throw new ValidationError(`${path} must be an ISO 3166-1 alpha-2 country code`, [{ path, message: 'is not an assigned ISO 3166-1 alpha-2 code' }]);
  }
  return code;
}

export interface Destination {
  /** ISO 3166-1 alpha-2; with it the summary shows shipping and tax as checkout will compute them. */
  country?: string;
  /** Default: the cheapest method available for the country. */
  shippingMethodId?: number;
}

export interface CartLineTotals {
  variantId: number;
  discountCents: number;
  taxCents: number;
  taxRatePercent: number;
}

export interface CartSummary {
  items: CartItem[];
  currency: string;
  subtotal: number;
  subtotalCents: number;
  discount: number;
  discountCents: number;
  discountCode: string | null;
  /** Why the applied code gives no discount right now (e.g. the subtotal is below its minimum); null otherwise. */
  discountProblem: string | null;
  /** null until a destination is known. */
  country: string | null;
  shippingMethodId: number | null;
  shipping: number | null;
  shippingCents: number | null;
  tax: number;
  taxCents: number;
  lines: CartLineTotals[];
  /** subtotal − discount + shipping (+ tax when prices are net). */
  total: number;
  totalCents: number;
}

/**
 * The cart with what checkout would charge now: subtotal, the code's discount, and once the
 * destination is known, shipping and tax by the same computeTotals checkout uses.
 */
export async function cartSummary(ex: Executor, owner: CartOwner, destination: Destination, shop: ShopSettings): Promise<CartSummary> {
  const d = v.record(destination ?? {}, 'destination', ['country', 'shippingMethodId']);
  const country = d.country === undefined || d.country === null || d.country === '' ? null : countryCode(d.country, 'country');
  const methodId = d.shippingMethodId === undefined || d.shippingMethodId === null ? null : v.id(d.shippingMethodId, 'shippingMethodId');
  return summarize(ex, await resolveOwner(ex, owner, 'read'), country, methodId, shop);
}

/** The summary of a cart already resolved (and its lines known) in `ex`: the cart routes make it in the transaction that changed the cart. */
export function resolvedCartSummary(ex: Executor, ref: OwnerRef, shop: ShopSettings, lines?: CartRow[]): Promise<CartSummary> {
  return summarize(ex, ref, null, null, shop, lines);
}

async function summarize(ex: Executor, ref: OwnerRef, country: string | null, methodId: number | null, shop: ShopSettings, lines?: CartRow[]): Promise<CartSummary> {
  const rows = lines ?? (await cartLines(ex, ref));
  const items = rows.map((r) => toCartItem(r, shop.currency));
  const subtotalCents = items.reduce((sum, i) => sum + i.subtotalCents, 0);
  const applied = ref.discountCode;
  let discount = 0;
  let problem: string | null = null;
  if (applied) {
    const row = await readCode(ex, applied);
    try {
      if (!row) throw unknownCode(applied);
      assertUsable(row, now(), subtotalCents);
      if (ref.customerId !== null && row.once_per_customer === 1 && (await usedBy(ex, row.code, ref.customerId))) {
        throw new DiscountInvalidError(row.code, 'already_used', `You have already used the discount code ${row.code}`);
      }
      discount = discountCents(row.type, row.value, subtotalCents);
    } catch (e) {
      if (!(e instanceof DiscountInvalidError)) throw e;
      problem = e.message;
    }
  }
  let shippingCents: number | null = null;
  let chosen: number | null = null;
  if (country !== null) {
    if (methodId !== null) {
      const q = await quoteShipping(ex, methodId, country, subtotalCents - discount);
      shippingCents = q.priceCents;
      chosen = q.methodId;
    } else {
      const quotes = await shippingMethodsFor(ex, country, subtotalCents - discount);
      const cheapest = quotes.reduce<ShippingQuote | null>((best, q) => (best === null || q.priceCents < best.priceCents ? q : best), null);
      shippingCents = cheapest?.priceCents ?? 0;
      chosen = cheapest?.methodId ?? null;
    }
  }
  const totals = computeTotals({
    lines: items.map((i) => ({ amountCents: i.subtotalCents, category: i.category })),
    discountCents: discount,
    shippingCents: shippingCents ?? 0,
    rates: country === null ? [] : await taxRatesFor(ex, country),
    pricesIncludeTax: shop.pricesIncludeTax,
  });
  const m = (minor: number) => fromMinor(minor, shop.currency);
  return {
    items,
    currency: shop.currency.code,
    subtotal: m(totals.subtotalCents),
    subtotalCents: totals.subtotalCents,
    discount: m(discount),
    discountCents: discount,
    discountCode: applied ?? null,
    discountProblem: problem,
    country,
    shippingMethodId: chosen,
    shipping: shippingCents === null ? null : m(shippingCents),
    shippingCents,
    tax: m(totals.taxCents),
    taxCents: totals.taxCents,
    lines: items.map((i, n) => ({ variantId: i.variantId, ...totals.lines[n]! })),
    total: m(totals.totalCents),
    totalCents: totals.totalCents,
  };
}

/** The methods that ship the cart to `country`, priced for its subtotal after discount. */
export async function cartShippingMethods(ex: Executor, owner: CartOwner, country: string, shop: ShopSettings): Promise<ShippingQuote[]> {
  const summary = await cartSummary(ex, owner, {}, shop);
  const code = countryCode(country, 'country');
  if (!(await hasShippingMethods(ex))) return [];
  return shippingMethodsFor(ex, code, summary.subtotalCents - summary.discountCents);
}
