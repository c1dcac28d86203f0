import { expect } from 'vitest';
import type { EcommercePlatform } from '../src/index.js';

/** Every product's and variant's stock equals the sum of its ledger, a product's stock is Σ its variants', and every order line has its order. */
export async function assertLedgerInvariant(platform: EcommercePlatform): Promise<void> {
  const drift = await platform.query(
    `SELECT p.id, p.stock, COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.product_id = p.id), 0) AS ledger
     FROM products p`,
  );
  for (const row of drift) expect(Number(row.ledger), `product ${String(row.id)}`).toBe(Number(row.stock));
  // Per variant too, and a product's stock is the sum of its variants'.
  const variantDrift = await platform.query(
    `SELECT v.id, v.stock, COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.variant_id = v.id), 0) AS ledger
     FROM product_variants v`,
  );
  for (const row of variantDrift) expect(Number(row.ledger), `variant ${String(row.id)}`).toBe(Number(row.stock));
  const sums = await platform.query(
    `SELECT p.id, p.stock, COALESCE((SELECT SUM(v.stock) FROM product_variants v WHERE v.product_id = p.id), 0) AS variants FROM products p`,
  );
  for (const row of sums) expect(Number(row.variants), `product ${String(row.id)} = Σ variants`).toBe(Number(row.stock));
  const unassigned = await platform.query('SELECT COUNT(*) AS n FROM inventory_movements WHERE variant_id IS NULL');
  expect(Number(unassigned[0]!.n)).toBe(0);
  const noVariant = await platform.query('SELECT COUNT(*) AS n FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id)');
  expect(Number(noVariant[0]!.n), 'every product has a variant').toBe(0);
  const orphans = await platform.query('SELECT COUNT(*) AS n FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL');
  expect(Number(orphans[0]!.n)).toBe(0);
  const orderless = await platform.query(
    `SELECT COUNT(*) AS n FROM inventory_movements m WHERE m.reason = 'order'
     AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = m.order_id AND i.product_id = m.product_id)`,
  );
  expect(Number(orderless[0]!.n)).toBe(0);
}
