import type { Executor } from '../db/driver.js';
import { inList } from '../db/sql.js';
import { emit } from './outbox.js';

/** Stock below this is "low" (LOW_STOCK_THRESHOLD, default 5). */
export function lowStockThreshold(): number {
  const n = Number(process.env.LOW_STOCK_THRESHOLD);
  return process.env.LOW_STOCK_THRESHOLD && Number.isSafeInteger(n) && n >= 0 ? n : 5;
}

/**
 * After stock changes in `tx`: emits `stock.low` for each product the change took from at or above
 * the threshold to below it (so one crossing, one event; a further sale below it is no news).
 */
export async function emitLowStock(tx: Executor, changes: ReadonlyArray<{ productId: number; delta: number }>): Promise<void> {
  const falling = changes.filter((c) => c.delta < 0);
  if (falling.length === 0) return;
  const threshold = lowStockThreshold();
  const where = inList(tx.dialect, 'id', falling.map((c) => c.productId));
  const rows = await tx.all<{ id: number; name: string; stock: number }>(`SELECT id, name, stock FROM products WHERE ${where.sql}`, where.params);
  for (const row of rows) {
    const delta = falling.find((c) => c.productId === row.id)!.delta;
    if (row.stock < threshold && row.stock - delta >= threshold) {
      await emit(tx, 'stock.low', { productId: row.id, name: row.name, stock: row.stock, threshold });
    }
  }
}
