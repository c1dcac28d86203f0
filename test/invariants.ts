import { expect } from 'vitest';
import type { EcommercePlatform } from '../src/index.js';

/** Every product's stock equals the sum of its ledger, and every order line has its order. */
export async function assertLedgerInvariant(platform: EcommercePlatform): Promise<void> {
  const drift = await platform.query(
    `SELECT p.id, p.stock, COALESCE((SELECT SUM(m.delta) FROM inventory_movements m WHERE m.product_id = p.id), 0) AS ledger
     FROM products p`,
  );
  for (const row of drift) expect(Number(row.ledger), `product ${String(row.id)}`).toBe(Number(row.stock));
  const orphans = await platform.query('SELECT COUNT(*) AS n FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL');
  expect(Number(orphans[0]!.n)).toBe(0);
  const orderless = await platform.query(
    `SELECT COUNT(*) AS n FROM inventory_movements m WHERE m.reason = 'order'
     AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = m.order_id AND i.product_id = m.product_id)`,
  );
  expect(Number(orderless[0]!.n)).toBe(0);
}
