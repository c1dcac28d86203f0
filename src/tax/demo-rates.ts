import type { Executor } from '../db/driver.js';
import { now } from '../db/sql.js';

/** What the demo shop charges: one shipping method everywhere and the German standard VAT rate. */
export const DEMO_SHIPPING = { name: 'Standard', priceCents: 490, freeAboveCents: 5000 } as const;
export const DEMO_TAX_RATES = [
  { country: 'DE', rateMilli: 19_000, category: null, name: 'VAT' },
] as const;

/** Inside the demo catalog's transaction, so it is loaded once with the products; a shop that already has methods or rates keeps its own. */
export async function loadDemoRates(tx: Executor): Promise<void> {
  const at = now();
  if (!(await tx.get('SELECT id FROM shipping_methods LIMIT 1'))) {
    await tx.run(
      `INSERT INTO shipping_methods (name, price_cents, free_above_cents, everywhere, active, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?)`,
      [DEMO_SHIPPING.name, DEMO_SHIPPING.priceCents, DEMO_SHIPPING.freeAboveCents, at, at],
    );
  }
  if (await tx.get('SELECT id FROM tax_rates LIMIT 1')) return;
  for (const r of DEMO_TAX_RATES) {
    await tx.run('INSERT INTO tax_rates (country, rate_milli, category, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [r.country, r.rateMilli, r.category, r.name, at, at]);
  }
}
