-- pgbench script: one complete checkout with the engine's own SQL (src/cart/service.ts,
-- src/orders/checkout.ts), as the PostgreSQL bound of `npm run bench:http`. Two cart adds, each in
-- its own non-durable transaction, then the checkout transaction. Each pgbench client is one
-- customer (:cbase + :client_id) buying two distinct random products of :pmin..:pmax, each with
-- one variant. Amounts and names are constants: the bound measures the database, not pricing.
-- The statements listed in issue 15 plus the products' totals; not in it: the session lookups, the
-- cart read-backs of the adds, the shipping-method check and the outbox rows (event, email, webhook
-- fan-out) the engine also runs: 32 round trips per checkout over HTTP, 25 here (BEGIN/COMMIT counted in both).
--   pgbench -n -M prepared -c 16 -j 2 -T 10 -D cbase=… -D pmin=… -D pmax=… -f bench/checkout.sql
--   (PGOPTIONS='-c search_path=<schema>'; bench/http.ts sets all of it up)
\set c :cbase + :client_id
\set a random(:pmin, :pmax)
\set b :pmin + (:a - :pmin + random(1, :pmax - :pmin)) % (:pmax - :pmin + 1)

BEGIN;
SET LOCAL synchronous_commit = off;
SELECT 1 AS one FROM customers WHERE id = :c FOR NO KEY UPDATE;
SELECT pv.id AS va FROM product_variants pv LEFT JOIN cart_items c ON c.variant_id = pv.id AND c.customer_id = :c
  WHERE pv.product_id = :a ORDER BY pv.id LIMIT 101 \gset
INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES (:c, :a, :va, 1, '2026-01-01T00:00:00.000Z')
  ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity;
COMMIT;

BEGIN;
SET LOCAL synchronous_commit = off;
SELECT 1 AS one FROM customers WHERE id = :c FOR NO KEY UPDATE;
SELECT pv.id AS vb FROM product_variants pv LEFT JOIN cart_items c ON c.variant_id = pv.id AND c.customer_id = :c
  WHERE pv.product_id = :b ORDER BY pv.id LIMIT 101 \gset
INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) VALUES (:c, :b, :vb, 1, '2026-01-01T00:00:00.000Z')
  ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity;
COMMIT;

\set plo least(:a, :b)
\set phi greatest(:a, :b)
\set vlo least(:va, :vb)
\set vhi greatest(:va, :vb)
BEGIN;
SELECT c.name, c.email, d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = :c FOR NO KEY UPDATE OF c;
SELECT c.product_id, c.variant_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, c.quantity,
    pv.stock, p.category FROM cart_items c
  JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id
  WHERE c.customer_id = :c ORDER BY c.variant_id;
INSERT INTO orders (customer_id, status, subtotal_cents, discount_cents, discount_code, shipping_cents, shipping_tax_cents, tax_cents, total_cents,
    currency, prices_include_tax, shipping_method_id, shipping_method_name, shipping_address, billing_address, placed_as_guest, access_token_hash,
    idempotency_key, created_at, updated_at)
  VALUES (:c, 'pending', 1000, 0, NULL, 0, 0, 0, 1000, 'USD', 0, NULL, NULL, NULL, NULL, 0, NULL, NULL,
    '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z') RETURNING id AS order_id \gset
INSERT INTO order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_cents, discount_cents, tax_cents, tax_rate_milli)
  VALUES (:order_id, :a, :va, 'Product', NULL, 'Default', 1, 500, 0, 0, 0), (:order_id, :b, :vb, 'Product', NULL, 'Default', 1, 500, 0, 0, 0);
INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at)
  VALUES (:a, :va, -1, 'order', :order_id, '2026-01-01T00:00:00.000Z'), (:b, :vb, -1, 'order', :order_id, '2026-01-01T00:00:00.000Z');
INSERT INTO order_status_history (order_id, status, at) VALUES (:order_id, 'pending', '2026-01-01T00:00:00.000Z');
DELETE FROM cart_items WHERE customer_id = :c;
UPDATE product_variants SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :vlo AND stock >= 1 RETURNING stock;
UPDATE product_variants SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :vhi AND stock >= 1 RETURNING stock;
UPDATE products SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :plo;
UPDATE products SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :phi;
COMMIT;
