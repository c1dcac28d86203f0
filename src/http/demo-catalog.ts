import type { Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { insertDefaultVariant, insertVariant, optionValues, type ProductOption } from '../catalog/variants.js';
import { recordMovement } from '../inventory/service.js';
import type { EcommercePlatform } from '../platform.js';
import { loadDemoRates } from '../tax/demo-rates.js';

/** A small catalog so a fresh shop has something to browse (prices in cents). */
export const DEMO_PRODUCTS = [
  { name: 'Laptop Pro 14', description: '14-inch laptop, 16 GB RAM, 512 GB SSD', priceCents: 99999, stock: 25, category: 'Electronics' },
  { name: 'Wireless Mouse', description: 'Ergonomic, USB-C receiver', priceCents: 2999, stock: 120, category: 'Electronics' },
  { name: 'Mechanical Keyboard', description: 'Tenkeyless, brown switches', priceCents: 8999, stock: 60, category: 'Electronics' },
  { name: 'USB-C Hub', description: '7 ports, 100 W pass-through', priceCents: 3999, stock: 80, category: 'Electronics' },
  { name: 'Noise-Cancelling Headphones', description: 'Over-ear, 30 h battery', priceCents: 19999, stock: 40, category: 'Electronics' },
  { name: 'The Pragmatic Programmer', description: '20th anniversary edition', priceCents: 4299, stock: 50, category: 'Books' },
  { name: 'Designing Data-Intensive Applications', description: 'Martin Kleppmann', priceCents: 4599, stock: 35, category: 'Books' },
  { name: 'Clean Architecture', description: 'Robert C. Martin', priceCents: 3499, stock: 30, category: 'Books' },
  { name: 'Espresso Cups (set of 4)', description: 'Porcelain, 80 ml', priceCents: 2450, stock: 70, category: 'Kitchen' },
  { name: 'Pour-Over Coffee Maker', description: 'Glass, 6 cups', priceCents: 3950, stock: 45, category: 'Kitchen' },
] as const;

/**
 * Loads the demo catalog if the products table is empty; returns how many products it added.
 * Check and insert are one transaction (on PostgreSQL under an advisory lock), so several
 * processes starting at once load it once.
 */
export async function loadDemoCatalog(platform: EcommercePlatform): Promise<number> {
  return platform.db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(7468, 2)');
    if (await tx.get('SELECT id FROM products LIMIT 1')) return 0;
    const at = now();
    for (const p of DEMO_PRODUCTS) {
      const row = await tx.get<{ id: number }>(
        `INSERT INTO products (name, description, price_cents, stock, category, image_url, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?) RETURNING id`,
        [p.name, p.description, p.priceCents, p.stock, p.category, at, at],
      );
      const variantId = await insertDefaultVariant(tx, row!.id, p.stock, null, null, at);
      await recordMovement(tx, row!.id, p.stock, 'initial stock', null, variantId);
    }
    await addDemoShirt(tx, at);
    await loadDemoRates(tx);
    return DEMO_PRODUCTS.length + 1;
  });
}

/** A product with sizes: options and one variant (SKU, stock, ledger row) per size. */
export const DEMO_SHIRT = {
  name: 'Organic Cotton T-Shirt',
  description: 'Heavyweight jersey, in three sizes',
  priceCents: 2500,
  category: 'Clothing',
  options: [{ name: 'Size', values: ['S', 'M', 'L'] }] as ProductOption[],
  variants: [
    { sku: 'TEE-S', size: 'S', stock: 20 },
    { sku: 'TEE-M', size: 'M', stock: 30 },
    { sku: 'TEE-L', size: 'L', stock: 15 },
  ],
};

async function addDemoShirt(tx: Executor, at: string): Promise<void> {
  const s = DEMO_SHIRT;
  const stock = s.variants.reduce((n, x) => n + x.stock, 0);
  const row = await tx.get<{ id: number }>(
    `INSERT INTO products (name, description, price_cents, stock, category, image_url, options, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?) RETURNING id`,
    [s.name, s.description, s.priceCents, stock, s.category, JSON.stringify(s.options), at, at],
  );
  for (const x of s.variants) {
    const { json, title } = optionValues({ Size: x.size }, s.options, 'options');
    const variantId = await insertVariant(tx, row!.id, { sku: x.sku, optionValues: json, title, priceCents: null, stock: x.stock, weightGrams: 180 }, at);
    await recordMovement(tx, row!.id, x.stock, 'initial stock', null, variantId);
  }
}
