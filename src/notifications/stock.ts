import type { Executor } from '../db/driver.js';
import { inList } from '../db/sql.js';
import { emit } from './outbox.js';

/** Stock below this is "low" (LOW_STOCK_THRESHOLD, default 5). */
export function lowStockThreshold(): number {
  const n = Number(process.env.LOW_STOCK_THRESHOLD);
  return process.env.LOW_STOCK_THRESHOLD && Number.isSafeInteger(n) && n >= 0 ? n : 5;
}

/**
 * After variant stock changes in `tx`: emits `stock.low` for each variant the change took from at
 * or above the threshold to below it (one crossing, one event; a further sale below it is no news).
 */
export async function emitLowStock(tx: Executor, changes: ReadonlyArray<{ variantId: number; delta: number }>): Promise<void> {
  const falling = changes.filter((c) => c.delta < 0);
  if (falling.length === 0) return;
  const threshold = lowStockThreshold();
  const where = inList(tx.dialect, 'v.id', falling.map((c) => c.variantId));
  const rows = await tx.all<{ id: number; product_id: number; sku: string | null; title: string; stock: number; name: string }>(
    `SELECT v.id, v.product_id, v.sku, v.title, v.stock, p.name FROM product_variants v JOIN products p ON p.id = v.product_id WHERE ${where.sql} ORDER BY v.id`,
    where.params,
  );
  for (const row of rows) {
    const delta = falling.filter((c) => c.variantId === row.id).reduce((sum, c) => sum + c.delta, 0);
    if (row.stock < threshold && row.stock - delta >= threshold) {
      await emit(tx, 'stock.low', { productId: row.product_id, variantId: row.id, sku: row.sku, variantTitle: row.title, name: row.name, stock: row.stock, threshold });
    }
  }
}

/**
 * emitLowStock for changes whose new stock is known already (checkout's UPDATE … RETURNING stock):
 * reads nothing unless a variant crossed the threshold, which is rare.
 */
export async function emitLowStockCrossings(tx: Executor, changes: ReadonlyArray<{ variantId: number; delta: number; stock: number }>): Promise<void> {
  const threshold = lowStockThreshold();
  const crossed = changes.filter((c) => c.delta < 0 && c.stock < threshold && c.stock - c.delta >= threshold);
  if (crossed.length > 0) await emitLowStock(tx, crossed);
}
