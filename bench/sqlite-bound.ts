import Database from 'better-sqlite3';

/**
 * The bound for the core benchmark: the same checkout writes as the engine, issued with bare
 * better-sqlite3 prepared statements on one connection, WAL + synchronous=FULL like the engine's
 * default. Per checkout: two cart adds (customer check, stock read, upsert) and the checkout
 * (cart read, conditional stock decrement per variant, the products' totals, order, lines, ledger, status, cart delete).
 */
export interface Bound {
  perCall(customerId: number, p1: number, p2: number): void;
  batch(group: Array<[number, number, number]>): void;
  close(): void;
}

export function openBound(file: string): Bound {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const s = {
    customer: db.prepare('SELECT 1 AS one FROM customers WHERE id = ?'),
    stockAndLine: db.prepare(
      `SELECT pv.id AS variant_id, pv.stock AS stock, c.quantity AS quantity FROM product_variants pv
       LEFT JOIN cart_items c ON c.variant_id = pv.id AND c.customer_id = ? WHERE pv.product_id = ? ORDER BY pv.id LIMIT 2`,
    ),
    upsert: db.prepare(
      `INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity`,
    ),
    lines: db.prepare(
      `SELECT c.product_id, c.variant_id, c.quantity, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents FROM cart_items c
       JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id WHERE c.customer_id = ? ORDER BY c.variant_id`,
    ),
    take: db.prepare('UPDATE product_variants SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?'),
    total: db.prepare('UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ?'),
    order: db.prepare(
      `INSERT INTO orders (customer_id, status, total_cents, idempotency_key, created_at, updated_at)
       VALUES (?, 'pending', ?, NULL, ?, ?) RETURNING id`,
    ),
    item: db.prepare('INSERT INTO order_items (order_id, product_id, variant_id, product_name, quantity, price_cents) VALUES (?, ?, ?, ?, ?, ?)'),
    ledger: db.prepare('INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    history: db.prepare('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)'),
    clear: db.prepare('DELETE FROM cart_items WHERE customer_id = ?'),
  };
  const add = (customerId: number, productId: number, qty: number) => {
    if (!s.customer.get(customerId)) throw new Error('no customer');
    const row = s.stockAndLine.get(customerId, productId) as { variant_id: number; stock: number; quantity: number | null } | undefined;
    if (!row || (row.quantity ?? 0) + qty > row.stock) throw new Error('stock');
    s.upsert.run(customerId, productId, row.variant_id, qty, new Date().toISOString());
  };
  const checkout = (customerId: number) => {
    const lines = s.lines.all(customerId) as { product_id: number; variant_id: number; quantity: number; name: string; price_cents: number }[];
    if (lines.length === 0) throw new Error('empty');
    const at = new Date().toISOString();
    let total = 0;
    for (const l of lines) {
      if (s.take.run(l.quantity, at, l.variant_id, l.quantity).changes === 0) throw new Error('stock');
      total += l.price_cents * l.quantity;
    }
    for (const l of lines) s.total.run(l.quantity, at, l.product_id);
    const { id } = s.order.get(customerId, total, at, at) as { id: number };
    for (const l of lines) {
      s.item.run(id, l.product_id, l.variant_id, l.name, l.quantity, l.price_cents);
      s.ledger.run(l.product_id, l.variant_id, -l.quantity, 'order', id, at);
    }
    s.history.run(id, 'pending', at);
    s.clear.run(customerId);
    return id;
  };
  return {
    /** (a) every call is its own transaction. */
    perCall(customerId: number, p1: number, p2: number) {
      db.transaction(() => add(customerId, p1, 1)).immediate();
      db.transaction(() => add(customerId, p2, 1)).immediate();
      db.transaction(() => checkout(customerId)).immediate();
    },
    /** (b) a group of whole checkouts in one transaction. */
    batch(group: Array<[number, number, number]>) {
      db.transaction(() => {
        for (const [c, p1, p2] of group) {
          add(c, p1, 1);
          add(c, p2, 1);
          checkout(c);
        }
      }).immediate();
    },
    close: () => void db.close(),
  };
}
