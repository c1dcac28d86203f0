import type { Executor } from '../db/driver.js';
import { Assignments, now } from '../db/sql.js';
import { insertDefaultVariant, insertVariant } from '../catalog/variants.js';
import { applyVariantStockDelta, recordMovement } from '../inventory/service.js';
import { recordPriceChange } from '../pricing/history.js';
import type { GroupPlan } from './import-plan.js';

const STOCK_REASON = 'csv import';

/** Writes the planned products of a batch inside its transaction; returns each plan's product id. */
export async function writeBatch(tx: Executor, plans: readonly GroupPlan[], changedBy: number | null): Promise<(number | null)[]> {
  const ids: (number | null)[] = [];
  for (const plan of plans) {
    if (plan.refusal) {
      ids.push(null);
      continue;
    }
    const at = now();
    if (plan.create) {
      const p = plan.create;
      const stock = plan.variants.reduce((n, w) => n + w.stockTo, 0);
      const row = await tx.get<{ id: number }>(
        `INSERT INTO products (name, description, price_cents, stock, category, image_url, options, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?) RETURNING id`,
        [p.name, p.description, p.priceCents, stock, p.category, JSON.stringify(p.options), at, at],
      );
      const pid = row!.id;
      for (const w of plan.variants) {
        const vid =
          p.options.length === 0
            ? await insertDefaultVariant(tx, pid, w.stockTo, w.sets.sku!, w.sets.weightGrams ?? null, at)
            : await insertVariant(
                tx,
                pid,
                { sku: w.sets.sku!, optionValues: w.sets.optionValues!, title: w.sets.title!, priceCents: w.sets.priceCents ?? null, stock: w.stockTo, weightGrams: w.sets.weightGrams ?? null },
                at,
              );
        if (w.stockTo > 0) await recordMovement(tx, pid, w.stockTo, 'initial stock', null, vid);
      }
      ids.push(pid);
      continue;
    }
    const pid = plan.productId!;
    const s = plan.productSets;
    const sets = new Assignments();
    if (s.name !== undefined) sets.set('name', s.name);
    if (s.description !== undefined) sets.set('description', s.description);
    if (s.category !== undefined) sets.set('category', s.category);
    if (plan.options) sets.set('options', JSON.stringify(plan.options));
    if (!sets.empty) await tx.run(`UPDATE products SET ${sets.sql}, updated_at = ? WHERE id = ?`, [...sets.params, at, pid]);
    if (plan.priceCents !== undefined) await recordPriceChange(tx, pid, plan.priceCents, changedBy);
    for (const w of plan.variants) {
      if (w.id === null) {
        const vid = await insertVariant(
          tx,
          pid,
          { sku: w.sets.sku!, optionValues: w.sets.optionValues!, title: w.sets.title!, priceCents: w.sets.priceCents ?? null, stock: 0, weightGrams: w.sets.weightGrams ?? null },
          at,
        );
        if (w.stockTo > 0) await applyVariantStockDelta(tx, vid, w.stockTo, 'initial stock', null);
        continue;
      }
      const vs = new Assignments();
      if (w.sets.sku !== undefined) vs.set('sku', w.sets.sku);
      if (w.sets.optionValues !== undefined) vs.set('option_values', w.sets.optionValues).set('title', w.sets.title);
      if (w.sets.priceCents !== undefined) vs.set('price_cents', w.sets.priceCents);
      if (w.sets.weightGrams !== undefined) vs.set('weight_grams', w.sets.weightGrams);
      if (!vs.empty) await tx.run(`UPDATE product_variants SET ${vs.sql}, updated_at = ? WHERE id = ?`, [...vs.params, at, w.id]);
      // Stock is set as the difference, through the ledger like every stock change.
      if (w.stockTo !== w.stockFrom) await applyVariantStockDelta(tx, w.id, w.stockTo - w.stockFrom, STOCK_REASON, null);
    }
    ids.push(pid);
  }
  return ids;
}

