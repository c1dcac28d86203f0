import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { AuthService } from '../../src/auth/service.js';
import type { Executor } from '../../src/db/driver.js';
import { EcommercePlatform, type Row } from '../../src/index.js';
import { backends } from '../backends.js';
import { snapshot } from '../core/fixture.js';
import { assertLedgerInvariant } from '../invariants.js';
import { png } from '../shopping/image-fixtures.js';

/**
 * Only the PostgreSQL driver re-runs a transaction body (after 40001/40P01); SQLite serialises
 * writers and never retries a body, so this harness has nothing to inject there.
 */
const retrying = backends.filter((b) => b.name === 'postgres');

/** A real PostgreSQL serialization failure, raised by the server on the transaction's own connection. */
const SERIALIZATION_FAILURE = "DO $$ BEGIN RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001'; END $$";

/** Every library write path, in one story; returns what each call answered. */
async function story(p: EcommercePlatform): Promise<unknown[]> {
  const out: unknown[] = [];
  const step = async (label: string, work: () => Promise<unknown>) => {
    try {
      out.push([label, await work()]);
    } catch (e) {
      out.push([label, 'threw', (e as { code?: string }).code ?? String(e)]);
    }
  };
  const auth = new AuthService(p.db, { scryptCost: 1024 });
  await step('register', async () => (await auth.register({ email: 'ada@example.com', name: 'Ada', password: 'long enough pw' })).customer);
  await step('login', async () => (await auth.login('ada@example.com', 'long enough pw')).role);
  await step('failed login', () => auth.login('ada@example.com', 'wrong password'));
  await step('admin', () => auth.createAdmin({ email: 'root@example.com', password: 'admin password' }));
  const alice = await p.createCustomer({ email: 'alice@example.com', name: 'Alice' });
  await step('update customer', () => p.updateCustomer(alice, { name: 'Alice B', address: '1 Main St' }));
  const laptop = await p.addProduct({ name: 'Laptop', price: 999.99, stock: 10, category: 'Electronics' });
  const mouse = await p.addProduct({ name: 'Mouse', price: 29.99, stock: 100, category: 'Electronics' });
  await step('update product', () => p.updateProduct(laptop, { price: 899.99, name: 'Laptop Pro' }));
  await step('stock', () => p.updateStock(mouse, -5, 'damaged'));
  await step('image', async () => (await p.addProductImage(laptop, png(4, 3))).position);
  await step('image 2', async () => (await p.addProductImage(laptop, png(2, 2))).position);
  const images = await p.getProductImages(laptop);
  await step('move image', async () => (await p.moveProductImage(laptop, images[1]!.id, 0)).map((i) => i.hash));
  await step('discount', () => p.createDiscountCode({ code: 'SAVE10', type: 'percentage', value: 10, maxRedemptions: 5 }));
  await step('discount patch', () => p.updateDiscountCode('SAVE10', { value: 15, minSubtotal: 1, active: true }));
  await step('cart', () => p.addToCart(alice, laptop, 2));
  await step('cart 2', () => p.addToCart(alice, mouse, 3));
  await step('cart remove', () => p.removeFromCart(alice, mouse, 1));
  await step('apply discount', () => p.applyDiscount(alice, 'SAVE10'));
  let orderId = 0;
  await step('checkout', async () => (orderId = await p.createOrder(alice, { idempotencyKey: 'k1' })) && (await p.getOrder(orderId)));
  await step('checkout replay', async () => (await p.createOrder(alice, { idempotencyKey: 'k1' })) === orderId);
  await step('pay', () => p.payOrder(orderId, { provider: 'test', card: '4242424242424242' }));
  await step('status', () => p.updateOrderStatus(orderId, 'processing'));
  await step('refund', () => p.refundOrder(orderId, { amount: 1000, reason: 'scratch' }, 'r1'));
  await step('refund replay', () => p.refundOrder(orderId, { amount: 1000, reason: 'scratch' }, 'r1'));
  await step('review', () => p.addReview(alice, laptop, { rating: 5, title: 'Great', text: 'Fast and light' }));
  await step('edit review', async () => { const [r] = (await p.getProductReviews(laptop)).reviews; return r && p.editReview(alice, r.id, { rating: 4 }); });
  await step('cart again', () => p.addToCart(alice, mouse, 1));
  let second = 0;
  await step('checkout 2', async () => (second = await p.createOrder(alice)) > 0);
  await step('cancel', () => p.cancelOrder(second));
  await step('clear cart', () => p.clearCart(alice));
  return out;
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
/**
 * Ids from sequences differ after a retried attempt (PostgreSQL does not give back a sequence
 * value on rollback), timestamps and random tokens always do: those are blanked, everything else
 * must match exactly.
 */
function normalise(value: unknown, key = ''): unknown {
  // Payments: provider references, derived idempotency keys and entry keys are random or name ids.
  if (/^(ref|.*_ref|.*Ref|idempotency_key|create_key|entry_key|metadata)$/.test(key)) return '·';
  if (/^(id|.*_id|.*Id|token|.*_hash|hash|csrfToken|token_hash|password_hash|body|url)$/.test(key) && key !== 'request_hash') return '·';
  // JSON kept in a text column (an outbox payload, a message's private data) is compared by its
  // content: ids from sequences and random tokens differ after a retried attempt, as in rows.
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return JSON.stringify(normalise(JSON.parse(value) as unknown));
    } catch {
      // not JSON after all: compared as text below
    }
  }
  if (typeof value === 'string') return value.replace(ISO, 'T');
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  return value;
}

function normaliseTables(tables: Record<string, Row[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, rows] of Object.entries(tables)) out[name] = rows.map((r) => JSON.stringify(normalise(r))).sort();
  // PostgreSQL bumps the shard of the connection's backend pid, which varies: only the total is stable.
  if (tables.catalog_version) out.catalog_version = [String(tables.catalog_version.reduce((n, r) => n + Number(r.version), 0))];
  // The dashboard rollup spreads a day over slots by order id, and ids differ after a retry: compare
  // the sums per (day, status, payment state), which is what the dashboard reads.
  if (tables.sales_daily) {
    const sums = new Map<string, number[]>();
    for (const r of tables.sales_daily) {
      const key = `${String(r.day)}|${String(r.status)}|${String(r.payment_status)}`;
      const s = sums.get(key) ?? [0, 0, 0];
      sums.set(key, [s[0]! + Number(r.orders), s[1]! + Number(r.total_cents), s[2]! + Number(r.refunded_cents)]);
    }
    out.sales_daily = [...sums].filter(([, s]) => s.some((n) => n !== 0)).map(([k, s]) => `${k}|${s.join('|')}`).sort();
  }
  return out;
}

describe.each(retrying)('every write path survives a retried first attempt on $name', (backend) => {
  it('with the first attempt of every transaction failing at COMMIT, results and every table match a clean run', async () => {
    const clean = await backend.create();
    const faulty = await backend.create();
    const attempts: number[] = [];
    const beforeCommit = async (tx: Executor, attempt: number) => {
      attempts.push(attempt);
      if (attempt === 0) await tx.run(SERIALIZATION_FAILURE);
    };
    const a = await EcommercePlatform.open(clean.url);
    const b = await EcommercePlatform.open(faulty.url, { beforeCommit });
    try {
      attempts.length = 0; // migrations ran through the same seam; count the story's transactions only
      const expected = await story(a);
      const got = await story(b);
      expect(normalise(got)).toEqual(normalise(expected));
      expect(expected.filter((r) => (r as unknown[])[1] === 'threw').map((r) => (r as unknown[])[0])).toEqual(['failed login']);
      expect(normaliseTables(await snapshot(b))).toEqual(normaliseTables(await snapshot(a)));
      await assertLedgerInvariant(b);
      // Each transaction failed once and then succeeded once.
      const firsts = attempts.filter((x) => x === 0).length;
      expect(firsts).toBeGreaterThan(25);
      expect(attempts.filter((x) => x === 1).length).toBe(firsts);
    } finally {
      await a.close();
      await b.close();
      await clean.cleanup();
      await faulty.cleanup();
    }
  });
});

describe.each(retrying)('a redemption reads the code under its row lock on $name', (backend) => {
  it('a change to the code committed while a checkout waits is the one the checkout applies', async () => {
    const target = await backend.create();
    const p = await EcommercePlatform.open(target.url);
    const admin = new pg.Client({ connectionString: baseUrl(target.url), options: `-c search_path=${schemaOf(target.url)}` });
    try {
      const product = await p.addProduct({ name: 'Lamp', price: 100, stock: 5 });
      await p.createDiscountCode({ code: 'LOCKED', type: 'percentage', value: 10 });
      const alice = await p.createCustomer({ email: 'lock@example.com', name: 'Alice' });
      await p.addToCart(alice, product, 1);
      await p.applyDiscount(alice, 'LOCKED');
      await admin.connect();
      // An admin's change holds the row, uncommitted, while the checkout starts.
      await admin.query('BEGIN');
      await admin.query("UPDATE discount_codes SET value = 5000 WHERE code = 'LOCKED'");
      const checkout = p.createOrder(alice);
      // Barrier: go on only once the checkout is waiting for that row lock.
      for (let i = 0; ; i++) {
        const waiting = await admin.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND datname = current_database()");
        if (waiting.rowCount) break;
        if (i > 500) throw new Error('the checkout never waited for the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      await admin.query('COMMIT');
      const order = await p.getOrder(await checkout);
      expect(order!.discountCents).toBe(5000); // 50 % of 100.00, the committed terms, not the 10 % read before
    } finally {
      await admin.end().catch(() => undefined);
      await p.close();
      await target.cleanup();
    }
  });
});

function schemaOf(url: string): string {
  return new URL(url).searchParams.get('schema')!;
}
function baseUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}
