import { ConflictError, DiscountInvalidError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import { resolveOwner, type CartOwner } from '../cart/owner.js';
import { cartSummary, type CartSummary, type Destination } from '../cart/summary.js';
import { fromMinor, toCents, toMinor } from '../money.js';
import { DEFAULT_SHOP, type ShopSettings } from '../shop/settings.js';
import * as v from '../validate.js';
import {
  assertUsable,
  DISCOUNT_CODE_COLUMNS,
  DISCOUNT_TYPES,
  normaliseCode,
  unknownCode,
  type DiscountCodeRow,
  type DiscountType,
} from './discount.js';
import { readCode, usedBy } from './redeem.js';

export interface DiscountCode {
  code: string;
  type: DiscountType;
  /** A percent (15, 12.5) or an amount in currency units, as given when created. */
  value: number;
  percentBasisPoints: number | null;
  amountCents: number | null;
  minSubtotal: number;
  minSubtotalCents: number;
  validFrom: string | null;
  /** Exclusive: the code stops working at this instant. */
  validUntil: string | null;
  maxRedemptions: number | null;
  oncePerCustomer: boolean;
  active: boolean;
  /** Uses by orders that were not cancelled. */
  redemptionCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewDiscountCode {
  code: string;
  type: DiscountType;
  value: number;
  minSubtotal?: number;
  validFrom?: string | null;
  validUntil?: string | null;
  maxRedemptions?: number | null;
  oncePerCustomer?: boolean;
  active?: boolean;
}

export type DiscountCodePatch = Partial<Omit<NewDiscountCode, 'code'>>;

export type { CartSummary } from '../cart/summary.js';

const toDiscountCode = (r: DiscountCodeRow, shop: ShopSettings): DiscountCode => ({
  code: r.code,
  type: r.type,
  value: r.type === 'percentage' ? r.value / 100 : fromMinor(r.value, shop.currency),
  percentBasisPoints: r.type === 'percentage' ? r.value : null,
  amountCents: r.type === 'fixed' ? r.value : null,
  minSubtotal: fromMinor(r.min_subtotal_cents, shop.currency),
  minSubtotalCents: r.min_subtotal_cents,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  maxRedemptions: r.max_redemptions,
  oncePerCustomer: r.once_per_customer === 1,
  active: r.active === 1,
  redemptionCount: r.redemption_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const FIELDS = ['code', 'type', 'value', 'minSubtotal', 'validFrom', 'validUntil', 'maxRedemptions', 'oncePerCustomer', 'active'] as const;

/** Percent → basis points (at most two decimals), currency units → minor units: both exact. */
function storedValue(type: DiscountType, value: unknown, shop: ShopSettings): number {
  const n = type === 'percentage' ? toCents(value, 'value') : toMinor(value, 'value', shop.currency);
  if (n <= 0) throw new ValidationError('value must be greater than 0', [{ path: 'value', message: 'must be > 0' }]);
  if (type === 'percentage' && n > 10_000) throw new ValidationError('value must be at most 100 (percent)', [{ path: 'value', message: 'must be <= 100' }]);
  return n;
}

function instant(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new ValidationError(`${path} must be an ISO-8601 date-time`, [{ path, message: 'must be an ISO-8601 date-time' }]);
  return new Date(t).toISOString();
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${path} must be a boolean`, [{ path, message: 'must be a boolean' }]);
  return value;
}

function maxRedemptions(value: unknown): number | null {
  return value === undefined || value === null ? null : v.integer(value, 'maxRedemptions', 0, 1_000_000_000);
}

function assertWindow(from: string | null, until: string | null): void {
  if (from !== null && until !== null && until <= from) {
    throw new ValidationError('validUntil must be after validFrom', [{ path: 'validUntil', message: 'must be after validFrom' }]);
  }
}

export class PromotionService {
  constructor(
    private readonly db: Driver,
    private readonly shop: ShopSettings = DEFAULT_SHOP,
  ) {}

  async create(input: NewDiscountCode): Promise<DiscountCode> {
    const r = v.record(input, 'discountCode', FIELDS);
    const code = normaliseCode(r.code);
    const type = v.oneOf(r.type, 'type', DISCOUNT_TYPES);
    const value = storedValue(type, r.value, this.shop);
    const minSubtotal = r.minSubtotal === undefined ? 0 : toMinor(r.minSubtotal, 'minSubtotal', this.shop.currency);
    const from = instant(r.validFrom, 'validFrom');
    const until = instant(r.validUntil, 'validUntil');
    assertWindow(from, until);
    const max = maxRedemptions(r.maxRedemptions);
    const once = r.oncePerCustomer === undefined ? false : bool(r.oncePerCustomer, 'oncePerCustomer');
    const active = r.active === undefined ? true : bool(r.active, 'active');
    try {
      const row = await this.db.transaction(async (tx) => {
        if (await readCode(tx, code)) throw duplicate(code);
        const at = now();
        return tx.get<DiscountCodeRow>(
          `INSERT INTO discount_codes (code, type, value, min_subtotal_cents, valid_from, valid_until, max_redemptions, once_per_customer, active,
             redemption_count, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING ${DISCOUNT_CODE_COLUMNS}`,
          [code, type, value, minSubtotal, from, until, max, once ? 1 : 0, active ? 1 : 0, at, at],
        );
      });
      return toDiscountCode(row!, this.shop);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate(code);
      throw e;
    }
  }

  async get(code: string): Promise<DiscountCode | null> {
    const row = await readCode(this.db, normaliseCode(code));
    return row ? toDiscountCode(row, this.shop) : null;
  }

  /** Every code with its use count, newest first. */
  async list(): Promise<DiscountCode[]> {
    const rows = await this.db.all<DiscountCodeRow>(`SELECT ${DISCOUNT_CODE_COLUMNS} FROM discount_codes ORDER BY created_at DESC, code`);
    return rows.map((r) => toDiscountCode(r, this.shop));
  }

  /** Changes or deactivates (`{ active: false }`) a code; its use count is kept. */
  async update(code: string, patch: DiscountCodePatch): Promise<DiscountCode> {
    const c = normaliseCode(code);
    const p = v.record(patch, 'patch', FIELDS.filter((f) => f !== 'code'));
    const type = p.type === undefined ? undefined : v.oneOf(p.type, 'type', DISCOUNT_TYPES);
    if (type !== undefined && p.value === undefined) {
      throw new ValidationError('changing type needs a value too', [{ path: 'value', message: 'is required when type changes' }]);
    }
    // Validated once, outside; the statement is built inside the body, which a retry runs again.
    const fixed: Array<[string, unknown]> = [];
    if (p.minSubtotal !== undefined) fixed.push(['min_subtotal_cents', toMinor(p.minSubtotal, 'minSubtotal', this.shop.currency)]);
    const from = p.validFrom === undefined ? undefined : instant(p.validFrom, 'validFrom');
    const until = p.validUntil === undefined ? undefined : instant(p.validUntil, 'validUntil');
    if (from !== undefined) fixed.push(['valid_from', from]);
    if (until !== undefined) fixed.push(['valid_until', until]);
    if (p.maxRedemptions !== undefined) fixed.push(['max_redemptions', maxRedemptions(p.maxRedemptions)]);
    if (p.oncePerCustomer !== undefined) fixed.push(['once_per_customer', bool(p.oncePerCustomer, 'oncePerCustomer') ? 1 : 0]);
    if (p.active !== undefined) fixed.push(['active', bool(p.active, 'active') ? 1 : 0]);
    const row = await this.db.transaction(async (tx) => {
      const current = await readCode(tx, c, true);
      if (!current) throw new NotFoundError('Discount code', c);
      const finalType = type ?? current.type;
      const sets = new Assignments();
      for (const [column, value] of fixed) sets.set(column, value);
      if (p.value !== undefined) sets.set('type', finalType).set('value', storedValue(finalType, p.value, this.shop));
      assertWindow(from === undefined ? current.valid_from : from, until === undefined ? current.valid_until : until);
      if (sets.empty) return current;
      return tx.get<DiscountCodeRow>(`UPDATE discount_codes SET ${sets.sql}, updated_at = ? WHERE code = ? RETURNING ${DISCOUNT_CODE_COLUMNS}`, [
        ...sets.params,
        now(),
        c,
      ]);
    });
    return toDiscountCode(row!, this.shop);
  }

  /**
   * Puts a code on the cart (replacing any other). Refused at once if it cannot be used now; the
   * minimum subtotal is checked against the cart at checkout, as the cart may still grow. A guest's
   * once-per-customer use is checked at checkout, against the order's email.
   */
  async applyToCart(owner: CartOwner, code: string): Promise<CartSummary> {
    const c = normaliseCode(code);
    await this.db.transaction(
      async (tx) => {
        const ref = await resolveOwner(tx, owner);
        const row = await readCode(tx, c);
        if (!row) throw unknownCode(c);
        const at = now();
        assertUsable(row, at, null);
        if (ref.customerId === null) {
          await tx.run('UPDATE guest_carts SET discount_code = ? WHERE id = ?', [c, ref.id]);
          return;
        }
        if (row.once_per_customer === 1 && (await usedBy(tx, c, ref.customerId))) {
          throw new DiscountInvalidError(c, 'already_used', `You have already used the discount code ${c}`);
        }
        await tx.run(
          `INSERT INTO cart_discounts (customer_id, code, applied_at) VALUES (?, ?, ?)
           ON CONFLICT (customer_id) DO UPDATE SET code = excluded.code, applied_at = excluded.applied_at`,
          [ref.customerId, c, at],
        );
      },
      { durable: false },
    );
    return this.cartSummary(owner);
  }

  async removeFromCart(owner: CartOwner): Promise<CartSummary> {
    await this.db.transaction(
      async (tx) => {
        const ref = await resolveOwner(tx, owner);
        if (ref.customerId === null) await tx.run('UPDATE guest_carts SET discount_code = NULL WHERE id = ?', [ref.id]);
        else await tx.run('DELETE FROM cart_discounts WHERE customer_id = ?', [ref.customerId]);
      },
      { durable: false },
    );
    return this.cartSummary(owner);
  }

  /** The cart with its subtotal, the discount its code would give now, and with a destination shipping, tax and total. */
  cartSummary(owner: CartOwner, destination: Destination = {}): Promise<CartSummary> {
    return cartSummary(this.db, owner, destination, this.shop);
  }
}

function duplicate(code: string): ConflictError {
  return new ConflictError(`The discount code ${code} already exists`, { code });
}
