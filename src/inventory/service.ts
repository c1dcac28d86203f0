import { InsufficientStockError, NotFoundError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import type { Statement } from '../db/batch.js';
import { insertStatements, now } from '../db/sql.js';
import { resolveVariant } from '../catalog/variants.js';
import { emitLowStock } from '../notifications/stock.js';
import * as v from '../validate.js';

export interface InventoryMovement {
  id: number;
  productId: number;
  variantId: number | null;
  delta: number;
  reason: string;
  orderId: number | null;
  createdAt: string;
}

interface MovementRow {
  id: number;
  product_id: number;
  variant_id: number | null;
  delta: number;
  reason: string;
  order_id: number | null;
  created_at: string;
}

/**
 * Every stock change goes through here, in the same transaction as the change: a variant's
 * stock = Σ its ledger rows, and a product's stock = Σ its variants' = Σ its ledger rows.
 */
export function recordMovement(tx: Executor, productId: number, delta: number, reason: string, orderId: number | null, variantId: number): Promise<unknown> {
  return tx.run('INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    productId,
    variantId,
    delta,
    reason,
    orderId,
    now(),
  ]);
}

/** The ledger rows of one change (checkout's lines) as batch statements, in as few as possible. */
export function movementStatements(rows: ReadonlyArray<{ productId: number; variantId: number; delta: number }>, reason: string, orderId: number | null): Statement[] {
  const at = now();
  return insertStatements(
    'inventory_movements',
    ['product_id', 'variant_id', 'delta', 'reason', 'order_id', 'created_at'],
    rows.map((r) => [r.productId, r.variantId, r.delta, reason, orderId, at]),
  );
}

/**
 * Applies a stock delta to a variant only if its stock stays >= 0 (one conditional UPDATE, so no
 * read-modify-write race on any backend), moves the product's total by the same delta and writes
 * the ledger row. Returns the variant's new stock.
 */
export async function applyVariantStockDelta(tx: Executor, variantId: number, delta: number, reason: string, orderId: number | null): Promise<number> {
  const at = now();
  const row = await tx.get<{ stock: number; product_id: number }>(
    'UPDATE product_variants SET stock = stock + ?, updated_at = ? WHERE id = ? AND stock + ? >= 0 RETURNING stock, product_id',
    [delta, at, variantId, delta],
  );
  if (!row) {
    const current = await tx.get<{ stock: number; product_id: number }>('SELECT stock, product_id FROM product_variants WHERE id = ?', [variantId]);
    if (!current) throw new NotFoundError('Variant', variantId);
    throw new InsufficientStockError(current.product_id, current.stock, -delta, variantId);
  }
  await tx.run('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?', [delta, at, row.product_id]);
  await recordMovement(tx, row.product_id, delta, reason, orderId, variantId);
  await emitLowStock(tx, [{ variantId, delta }]);
  return row.stock;
}

/** The product's single variant (a product with several is a validation error listing them). */
export async function applyStockDelta(tx: Executor, productId: number, delta: number, reason: string, orderId: number | null): Promise<number> {
  const variant = await resolveVariant(tx, productId, undefined);
  return applyVariantStockDelta(tx, variant.id, delta, reason, orderId);
}

function checkedDelta(quantityDelta: unknown, reason: unknown): { delta: number; why: string } {
  const delta = v.integer(quantityDelta, 'quantityDelta', -v.MAX_STOCK, v.MAX_STOCK);
  if (delta === 0) throw new ValidationError('quantityDelta must not be 0', [{ path: 'quantityDelta', message: 'must not be 0' }]);
  return { delta, why: v.text(reason, 'reason', 200, 1) };
}

export class InventoryService {
  constructor(private readonly db: Driver) {}

  /** A product without variants (or with exactly one); returns its new stock. */
  async updateStock(productId: number, quantityDelta: number, reason = 'adjustment'): Promise<number> {
    const pid = v.id(productId, 'productId');
    const { delta, why } = checkedDelta(quantityDelta, reason);
    // A single variant's stock is the product's stock.
    return this.db.transaction((tx) => applyStockDelta(tx, pid, delta, why, null));
  }

  /** Returns the variant's new stock. */
  async updateVariantStock(variantId: number, quantityDelta: number, reason = 'adjustment'): Promise<number> {
    const vid = v.id(variantId, 'variantId');
    const { delta, why } = checkedDelta(quantityDelta, reason);
    return this.db.transaction((tx) => applyVariantStockDelta(tx, vid, delta, why, null));
  }

  async movements(productId: number): Promise<InventoryMovement[]> {
    const pid = v.id(productId, 'productId');
    const rows = await this.db.all<MovementRow>(
      'SELECT id, product_id, variant_id, delta, reason, order_id, created_at FROM inventory_movements WHERE product_id = ? ORDER BY id',
      [pid],
    );
    if (rows.length === 0 && !(await this.db.get('SELECT 1 AS one FROM products WHERE id = ?', [pid]))) {
      throw new NotFoundError('Product', pid);
    }
    return rows.map((r) => ({
      id: r.id,
      productId: r.product_id,
      variantId: r.variant_id,
      delta: r.delta,
      reason: r.reason,
      orderId: r.order_id,
      createdAt: r.created_at,
    }));
  }
}
