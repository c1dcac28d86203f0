import type { Driver } from '../db/driver.js';
import { ConflictError, ValidationError } from '../errors.js';
import { currency, USD, type Currency } from '../money.js';

/** The settings every amount depends on. */
export interface ShopSettings {
  readonly currency: Currency;
  /** Catalog prices are gross (tax included) rather than net. */
  readonly pricesIncludeTax: boolean;
}

export interface ShopOptions {
  /** ISO 4217 code; default SHOP_CURRENCY, else the shop's stored currency, else USD. */
  currency?: string;
  /** Default PRICES_INCLUDE_TAX (`true`/`false`), else false. */
  pricesIncludeTax?: boolean;
}

export const DEFAULT_SHOP: ShopSettings = Object.freeze({ currency: USD, pricesIncludeTax: false });

function envFlag(name: string): boolean | undefined {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ValidationError(`${name} must be true or false`, [{ path: name, message: 'must be true or false' }]);
}

/**
 * Reads (and on the first open, stores) the shop's currency. Amounts are stored as integer minor
 * units, so opening a shop with another currency than it was created with would silently turn
 * 10.00 USD into 1000 JPY: that is refused.
 */
export async function loadShopSettings(db: Driver, options: ShopOptions = {}): Promise<ShopSettings> {
  const requestedCode = options.currency ?? (process.env.SHOP_CURRENCY?.trim() || undefined);
  const requested = requestedCode === undefined ? undefined : currency(requestedCode, 'currency');
  const pricesIncludeTax = options.pricesIncludeTax ?? envFlag('PRICES_INCLUDE_TAX') ?? false;
  if (typeof pricesIncludeTax !== 'boolean') {
    throw new ValidationError('pricesIncludeTax must be a boolean', [{ path: 'pricesIncludeTax', message: 'must be a boolean' }]);
  }
  const stored = await db.transaction(async (tx) => {
    await tx.run('INSERT INTO shop_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', ['currency', (requested ?? USD).code]);
    return (await tx.get<{ value: string }>('SELECT value FROM shop_settings WHERE key = ?', ['currency']))!.value;
  });
  if (requested && requested.code !== stored) {
    throw new ConflictError(
      `This shop's amounts are stored in ${stored}; it cannot be opened with currency ${requested.code} (amounts are never reinterpreted)`,
      { stored, requested: requested.code },
    );
  }
  return Object.freeze({ currency: currency(stored), pricesIncludeTax });
}
