-- pgbench script: one complete checkout with the engine's SQL as it now sends it (src/cart/service.ts
-- addThen, src/orders/checkout.ts placeOrder, src/db/batch.ts): each cart add is the owner lock and
-- one batch (the variant, the cart as it was, the guarded upsert), in its own non-durable
-- transaction; the checkout is the customer lock, the cart read (with the shipping check), the
-- order INSERT and one batch (lines, ledger, history, cart delete, outbox event, email and webhook
-- messages, then the stock). The same fixture and constants as bench/checkout.sql; the variant of
-- product :a is :vmin + :a - :pmin (one variant each, made in the products' order).
--   pgbench -n -M prepared -c 16 -j 2 -T 10 -D cbase=… -D pmin=… -D pmax=… -D vmin=… -f bench/checkout-batched.sql
\set c :cbase + :client_id
\set a random(:pmin, :pmax)
\set b :pmin + (:a - :pmin + random(1, :pmax - :pmin)) % (:pmax - :pmin + 1)
\set va :vmin + :a - :pmin
\set vb :vmin + :b - :pmin

BEGIN;
SET LOCAL synchronous_commit = off;
SELECT d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = :c FOR NO KEY UPDATE OF c;
WITH s0 AS (SELECT pv.id AS variant_id, pv.product_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, 0 AS quantity, pv.stock, p.category
    FROM product_variants pv JOIN products p ON p.id = pv.product_id WHERE pv.product_id = :a ORDER BY pv.id LIMIT 101),
  s1 AS (SELECT c.product_id, c.variant_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, c.quantity, pv.stock, p.category
    FROM cart_items c JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id WHERE c.customer_id = :c ORDER BY c.variant_id),
  s2 AS (INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) SELECT :c, pv.product_id, pv.id, 1, '2026-01-01T00:00:00.000Z'
    FROM product_variants pv WHERE pv.product_id = :a AND NOT EXISTS (SELECT 1 FROM product_variants o WHERE o.product_id = pv.product_id AND o.id <> pv.id)
    ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity RETURNING quantity)
  SELECT 0 AS i, to_jsonb(s0) AS r FROM s0 UNION ALL SELECT 1 AS i, to_jsonb(s1) AS r FROM s1 UNION ALL SELECT 2 AS i, to_jsonb(s2) AS r FROM s2;
COMMIT;

BEGIN;
SET LOCAL synchronous_commit = off;
SELECT d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = :c FOR NO KEY UPDATE OF c;
WITH s0 AS (SELECT pv.id AS variant_id, pv.product_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, 0 AS quantity, pv.stock, p.category
    FROM product_variants pv JOIN products p ON p.id = pv.product_id WHERE pv.product_id = :b ORDER BY pv.id LIMIT 101),
  s1 AS (SELECT c.product_id, c.variant_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, c.quantity, pv.stock, p.category
    FROM cart_items c JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id WHERE c.customer_id = :c ORDER BY c.variant_id),
  s2 AS (INSERT INTO cart_items (customer_id, product_id, variant_id, quantity, added_at) SELECT :c, pv.product_id, pv.id, 1, '2026-01-01T00:00:00.000Z'
    FROM product_variants pv WHERE pv.product_id = :b AND NOT EXISTS (SELECT 1 FROM product_variants o WHERE o.product_id = pv.product_id AND o.id <> pv.id)
    ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity RETURNING quantity)
  SELECT 0 AS i, to_jsonb(s0) AS r FROM s0 UNION ALL SELECT 1 AS i, to_jsonb(s1) AS r FROM s1 UNION ALL SELECT 2 AS i, to_jsonb(s2) AS r FROM s2;
COMMIT;

\set plo least(:a, :b)
\set phi greatest(:a, :b)
\set vlo least(:va, :vb)
\set vhi greatest(:va, :vb)
BEGIN;
SELECT c.name, c.email, d.code FROM customers c LEFT JOIN cart_discounts d ON d.customer_id = c.id WHERE c.id = :c FOR NO KEY UPDATE OF c;
SELECT c.product_id, c.variant_id, pv.sku, pv.title, p.name, COALESCE(pv.price_cents, p.price_cents) AS price_cents, c.quantity, pv.stock, p.category,
    (SELECT 1 FROM shipping_methods WHERE active = 1 LIMIT 1) AS ships
  FROM cart_items c JOIN product_variants pv ON pv.id = c.variant_id JOIN products p ON p.id = c.product_id WHERE c.customer_id = :c ORDER BY c.variant_id;
INSERT INTO orders (customer_id, status, subtotal_cents, discount_cents, discount_code, shipping_cents, shipping_tax_cents, tax_cents, total_cents,
    currency, prices_include_tax, shipping_method_id, shipping_method_name, shipping_address, billing_address, placed_as_guest, access_token_hash,
    idempotency_key, created_at, updated_at)
  VALUES (:c, 'pending', 1000, 0, NULL, 0, 0, 0, 1000, 'USD', 0, NULL, NULL, NULL, NULL, 0, NULL, NULL,
    '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z') RETURNING id AS order_id \gset
WITH s0 AS (INSERT INTO order_items (order_id, product_id, variant_id, product_name, sku, variant_title, quantity, price_cents, discount_cents, tax_cents, tax_rate_milli)
    VALUES (:order_id, :a, :va, 'Product', NULL, 'Default', 1, 500, 0, 0, 0), (:order_id, :b, :vb, 'Product', NULL, 'Default', 1, 500, 0, 0, 0) RETURNING 0 AS done),
  s1 AS (INSERT INTO inventory_movements (product_id, variant_id, delta, reason, order_id, created_at)
    VALUES (:a, :va, -1, 'order', :order_id, '2026-01-01T00:00:00.000Z'), (:b, :vb, -1, 'order', :order_id, '2026-01-01T00:00:00.000Z') RETURNING 0 AS done),
  s2 AS (INSERT INTO order_status_history (order_id, status, at) VALUES (:order_id, 'pending', '2026-01-01T00:00:00.000Z') RETURNING 0 AS done),
  s3 AS (DELETE FROM cart_items WHERE customer_id = :c RETURNING 0 AS done),
  s4 AS (INSERT INTO outbox_events (type, payload, order_id, created_at) VALUES ('order.placed', '{"order":{}}', :order_id, '2026-01-01T00:00:00.000Z') RETURNING id),
  s5 AS (INSERT INTO notifications (event_id, kind, recipient, template, private, status, next_attempt_at, created_at, updated_at)
    VALUES ((SELECT id FROM s4), 'email', 'pgbench@example.com', 'order-placed', NULL, 'pending', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z') RETURNING 0 AS done),
  s6 AS (INSERT INTO notifications (event_id, kind, endpoint_id, status, next_attempt_at, created_at, updated_at)
    SELECT DISTINCT CAST((SELECT id FROM s4) AS BIGINT), 'webhook', e.id, 'pending', CAST('2026-01-01T00:00:00.000Z' AS TEXT), CAST('2026-01-01T00:00:00.000Z' AS TEXT), CAST('2026-01-01T00:00:00.000Z' AS TEXT)
    FROM webhook_endpoints e JOIN webhook_subscriptions s ON s.endpoint_id = e.id WHERE e.enabled = 1 AND s.event_type IN ('order.placed', '*') RETURNING 0 AS done),
  s7 AS (UPDATE product_variants SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :vlo AND stock >= 1 RETURNING id, stock),
  s8 AS (UPDATE product_variants SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :vhi AND stock >= 1 RETURNING id, stock),
  s9 AS (UPDATE products SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :plo AND stock >= 1 RETURNING id),
  s10 AS (UPDATE products SET stock = stock - 1, updated_at = '2026-01-01T00:00:00.000Z' WHERE id = :phi AND stock >= 1 RETURNING id)
  SELECT 0 AS i, NULL::jsonb AS r FROM (SELECT count(*) FROM s0) AS n0 UNION ALL SELECT 1, NULL FROM (SELECT count(*) FROM s1) AS n1
  UNION ALL SELECT 2, NULL FROM (SELECT count(*) FROM s2) AS n2 UNION ALL SELECT 3, NULL FROM (SELECT count(*) FROM s3) AS n3
  UNION ALL SELECT 4, to_jsonb(s4) FROM s4 UNION ALL SELECT 5, NULL FROM (SELECT count(*) FROM s5) AS n5 UNION ALL SELECT 6, NULL FROM (SELECT count(*) FROM s6) AS n6
  UNION ALL SELECT 7, to_jsonb(s7) FROM s7 UNION ALL SELECT 8, to_jsonb(s8) FROM s8 UNION ALL SELECT 9, to_jsonb(s9) FROM s9 UNION ALL SELECT 10, to_jsonb(s10) FROM s10;
COMMIT;
