import { InsufficientStockError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { emitLowStock } from '../notifications/stock.js';
import * as v from '../validate.js';

export interface InventoryMovement {
  id: number;
  productId: number;
  delta: number;
  reason: string;
  orderId: number | null;
  createdAt: string;
}

interface MovementRow {
  id: number;
  product_id: number;
  delta: number;
  reason: string;
  order_id: number | null;
  created_at: string;
}

/** Every stock change goes through here, in the same transaction as the change: stock = Σ ledger. */
export function recordMovement(tx: Executor, productId: number, delta: number, reason: string, orderId: number | null): Promise<unknown> {
  return tx.run('INSERT INTO inventory_movements (product_id, delta, reason, order_id, created_at) VALUES (?, ?, ?, ?, ?)', [
    productId,
    delta,
    reason,
    orderId,
    now(),
  ]);
}

/**
 * Applies a stock delta only if stock stays >= 0 (one conditional UPDATE, so no read-modify-write
 * race on any backend), and writes the ledger row. Returns the new stock.
 */
export async function applyStockDelta(tx: Executor, productId: number, delta: number, reason: string, orderId: number | null): Promise<number> {
  const row = await tx.get<{ stock: number }>(
    'UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ? AND stock + ? >= 0 RETURNING stock',
    [delta, now(), productId, delta],
  );
  if (!row) {
    const current = await tx.get<{ stock: number }>('SELECT stock FROM products WHERE id = ?', [productId]);
    if (!current) throw new NotFoundError('Product', productId);
    throw new InsufficientStockError(productId, current.stock, -delta);
  }
  await recordMovement(tx, productId, delta, reason, orderId);
  await emitLowStock(tx, [{ productId, delta }]);
  return row.stock;
}

export class InventoryService {
  constructor(private readonly db: Driver) {}

  async updateStock(productId: number, quantityDelta: number, reason = 'adjustment'): Promise<number> {
    const pid = v.id(productId, 'productId');
    const delta = v.integer(quantityDelta, 'quantityDelta', -v.MAX_STOCK, v.MAX_STOCK);
    if (delta === 0) throw new ValidationError('quantityDelta must not be 0', [{ path: 'quantityDelta', message: 'must not be 0' }]);
    const why = v.text(reason, 'reason', 200, 1);
    return this.db.transaction((tx) => applyStockDelta(tx, pid, delta, why, null));
  }

  async movements(productId: number): Promise<InventoryMovement[]> {
    const pid = v.id(productId, 'productId');
    const rows = await this.db.all<MovementRow>(
      'SELECT id, product_id, delta, reason, order_id, created_at FROM inventory_movements WHERE product_id = ? ORDER BY id',
      [pid],
    );
    if (rows.length === 0 && !(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) {
      throw new NotFoundError('Product', pid);
    }
    return rows.map((r) => ({
      id: r.id,
      productId: r.product_id,
      delta: r.delta,
      reason: r.reason,
      orderId: r.order_id,
      createdAt: r.created_at,
    }));
  }
}
