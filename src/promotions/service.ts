import { ConflictError, DiscountInvalidError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver } from '../db/driver.js';
import { Assignments, isUniqueViolation, now } from '../db/sql.js';
import { requireCustomer } from '../customers/service.js';
import type { CartItem, CartService } from '../cart/service.js';
import { fromCents, toCents } from '../money.js';
import * as v from '../validate.js';
import {
  assertUsable,
  discountCents,
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

export interface CartSummary {
  items: CartItem[];
  subtotal: number;
  subtotalCents: number;
  discount: number;
  discountCents: number;
  total: number;
  totalCents: number;
  discountCode: string | null;
  /** Why the applied code gives no discount right now (e.g. the subtotal is below its minimum); null otherwise. */
  discountProblem: string | null;
}

const toDiscountCode = (r: DiscountCodeRow): DiscountCode => ({
  code: r.code,
  type: r.type,
  value: r.value / 100,
  percentBasisPoints: r.type === 'percentage' ? r.value : null,
  amountCents: r.type === 'fixed' ? r.value : null,
  minSubtotal: fromCents(r.min_subtotal_cents),
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

/** Percent → basis points, currency units → cents: both exact through toCents (at most two decimals). */
function storedValue(type: DiscountType, value: unknown): number {
  const n = toCents(value, 'value');
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
    private readonly cart: CartService,
  ) {}

  async create(input: NewDiscountCode): Promise<DiscountCode> {
    const r = v.record(input, 'discountCode', FIELDS);
    const code = normaliseCode(r.code);
    const type = v.oneOf(r.type, 'type', DISCOUNT_TYPES);
    const value = storedValue(type, r.value);
    const minSubtotal = r.minSubtotal === undefined ? 0 : toCents(r.minSubtotal, 'minSubtotal');
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
      return toDiscountCode(row!);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate(code);
      throw e;
    }
  }

  async get(code: string): Promise<DiscountCode | null> {
    const row = await readCode(this.db, normaliseCode(code));
    return row ? toDiscountCode(row) : null;
  }

  /** Every code with its use count, newest first. */
  async list(): Promise<DiscountCode[]> {
    const rows = await this.db.all<DiscountCodeRow>(`SELECT ${DISCOUNT_CODE_COLUMNS} FROM discount_codes ORDER BY created_at DESC, code`);
    return rows.map(toDiscountCode);
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
    if (p.minSubtotal !== undefined) fixed.push(['min_subtotal_cents', toCents(p.minSubtotal, 'minSubtotal')]);
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
      if (p.value !== undefined) sets.set('type', finalType).set('value', storedValue(finalType, p.value));
      assertWindow(from === undefined ? current.valid_from : from, until === undefined ? current.valid_until : until);
      if (sets.empty) return current;
      return tx.get<DiscountCodeRow>(`UPDATE discount_codes SET ${sets.sql}, updated_at = ? WHERE code = ? RETURNING ${DISCOUNT_CODE_COLUMNS}`, [
        ...sets.params,
        now(),
        c,
      ]);
    });
    return toDiscountCode(row!);
  }

  /**
   * Puts a code on the customer's cart (replacing any other). Refused at once if it cannot be used
   * now; the minimum subtotal is checked against the cart at checkout, as the cart may still grow.
   */
  async applyToCart(customerId: number, code: string): Promise<CartSummary> {
    const cid = v.id(customerId, 'customerId');
    const c = normaliseCode(code);
    await this.db.transaction(
      async (tx) => {
        await requireCustomer(tx, cid);
        const row = await readCode(tx, c);
        if (!row) throw unknownCode(c);
        const at = now();
        assertUsable(row, at, null);
        if (row.once_per_customer === 1 && (await usedBy(tx, c, cid))) {
          throw new DiscountInvalidError(c, 'already_used', `You have already used the discount code ${c}`);
        }
        await tx.run(
          `INSERT INTO cart_discounts (customer_id, code, applied_at) VALUES (?, ?, ?)
           ON CONFLICT (customer_id) DO UPDATE SET code = excluded.code, applied_at = excluded.applied_at`,
          [cid, c, at],
        );
      },
      { durable: false },
    );
    return this.cartSummary(cid);
  }

  async removeFromCart(customerId: number): Promise<CartSummary> {
    const cid = v.id(customerId, 'customerId');
    await this.db.transaction(
      async (tx) => {
        await requireCustomer(tx, cid);
        await tx.run('DELETE FROM cart_discounts WHERE customer_id = ?', [cid]);
      },
      { durable: false },
    );
    return this.cartSummary(cid);
  }

  /** The cart with its subtotal, the discount its code would give now, and the total. */
  async cartSummary(customerId: number): Promise<CartSummary> {
    const cid = v.id(customerId, 'customerId');
    const items = await this.cart.get(cid);
    const subtotalCents = items.reduce((sum, i) => sum + i.subtotalCents, 0);
    const applied = await this.db.get<{ code: string }>('SELECT code FROM cart_discounts WHERE customer_id = ?', [cid]);
    let discount = 0;
    let problem: string | null = null;
    if (applied) {
      const row = await readCode(this.db, applied.code);
      try {
        if (!row) throw unknownCode(applied.code);
        assertUsable(row, now(), subtotalCents);
        if (row.once_per_customer === 1 && (await usedBy(this.db, row.code, cid))) {
          throw new DiscountInvalidError(row.code, 'already_used', `You have already used the discount code ${row.code}`);
        }
        discount = discountCents(row.type, row.value, subtotalCents);
      } catch (e) {
        if (!(e instanceof DiscountInvalidError)) throw e;
        problem = e.message;
      }
    }
    return {
      items,
      subtotal: fromCents(subtotalCents),
      subtotalCents,
      discount: fromCents(discount),
      discountCents: discount,
      total: fromCents(subtotalCents - discount),
      totalCents: subtotalCents - discount,
      discountCode: applied?.code ?? null,
      discountProblem: problem,
    };
  }
}

function duplicate(code: string): ConflictError {
  return new ConflictError(`The discount code ${code} already exists`, { code });
}
