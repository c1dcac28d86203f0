import { describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { InsufficientStockError, type EcommercePlatform } from '../../src/index.js';
import type { StoreEvent } from '../../src/notifications/events.js';
import { backends, type Backend } from '../backends.js';
import { expectError, usePlatform } from '../core/fixture.js';

async function outbox(p: EcommercePlatform) {
  return p.query('SELECT e.type, n.kind, n.recipient, n.template, n.status FROM outbox_events e LEFT JOIN notifications n ON n.event_id = e.id ORDER BY e.id, n.id');
}

describe.each(backends)('the outbox on $name', (backend: Backend) => {
  const ctx = usePlatform(backend);

  it('a checkout writes order.placed with its email in the same transaction; listeners hear it after the commit', async () => {
    const p = ctx.platform;
    const heard: StoreEvent[] = [];
    p.on('order.placed', (e) => void heard.push(e));
    const c = await p.createCustomer({ email: 'ann@example.com', name: 'Ann' });
    const product = await p.addProduct({ name: 'Lamp', price: 12.5, stock: 10 });
    await p.addToCart(c, product, 2);
    const orderId = await p.createOrder(c);
    expect(await outbox(p)).toEqual([{ type: 'order.placed', kind: 'email', recipient: 'ann@example.com', template: 'order-placed', status: 'pending' }]);
    expect(heard).toHaveLength(1);
    const data = heard[0]!.data as { order: { id: number; totalCents: number; items: unknown[] } };
    expect(data.order).toMatchObject({ id: orderId, totalCents: 2500 });
    expect(data.order.items).toHaveLength(1);
  });

  it('a checkout that fails on stock leaves no event, no message and tells no listener', async () => {
    const p = ctx.platform;
    let heard = 0;
    p.on('*', () => void heard++);
    const c = await p.createCustomer({ email: 'bob@example.com', name: 'Bob' });
    const product = await p.addProduct({ name: 'Rare', price: 5, stock: 1 });
    await p.addToCart(c, product, 1);
    await p.updateStock(product, -1, 'sold elsewhere');
    heard = 0;
    await expectError(p.createOrder(c), InsufficientStockError, 'insufficient_stock', 'no stock');
    expect(heard).toBe(0);
    expect((await outbox(p)).filter((r) => r.type !== 'stock.low')).toEqual([]);
  });

  it('listeners run once the change is committed (visible to other connections); a call rolled back in the same batch publishes nothing', async () => {
    const p = ctx.platform;
    const seen: Array<{ id: number; visible: boolean }> = [];
    const pending: Promise<void>[] = [];
    p.on('order.placed', (e) => {
      const id = (e.data as { order: { id: number } }).order.id;
      pending.push(p.query(`SELECT COUNT(*) AS n FROM orders WHERE id = ${id}`).then((r) => void seen.push({ id, visible: Number(r[0]!.n) === 1 })));
    });
    const product = await p.addProduct({ name: 'Last one', price: 2, stock: 1 });
    const a = await p.createCustomer({ email: 'a@example.com', name: 'A' });
    const b = await p.createCustomer({ email: 'b@example.com', name: 'B' });
    await p.addToCart(a, product, 1);
    await p.addToCart(b, product, 1);
    // Issued in the same tick: on SQLite both run in one batch, the loser rolls back to its savepoint.
    const results = await Promise.allSettled([p.createOrder(a), p.createOrder(b)]);
    const won = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<number>;
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    await Promise.all(pending);
    expect(seen).toEqual([{ id: won.value, visible: true }]);
    expect(await p.query("SELECT COUNT(*) AS n FROM outbox_events WHERE type = 'order.placed'")).toEqual([{ n: 1 }]);
  });

  it('status moves emit order.status_changed with from/to, cancelling also order.cancelled; emails for shipped, delivered and cancelled', async () => {
    const p = ctx.platform;
    const c = await p.createCustomer({ email: 'cy@example.com', name: 'Cy' });
    const product = await p.addProduct({ name: 'Mug', price: 3, stock: 50 });
    for (let i = 0; i < 2; i++) {
      await p.addToCart(c, product, 1);
      await p.createOrder(c);
    }
    const [second, first] = (await p.getCustomerOrders(c)).map((o) => o.id) as [number, number];
    await p.updateOrderStatus(first, 'processing');
    await p.updateOrderStatus(first, 'shipped');
    await p.updateOrderStatus(first, 'delivered');
    await p.cancelOrder(second);
    const events = await p.query("SELECT type, payload FROM outbox_events WHERE type <> 'order.placed' ORDER BY id");
    expect(events.map((e) => [e.type, JSON.parse(e.payload as string).from, JSON.parse(e.payload as string).to])).toEqual([
      ['order.status_changed', 'pending', 'processing'],
      ['order.status_changed', 'processing', 'shipped'],
      ['order.status_changed', 'shipped', 'delivered'],
      ['order.status_changed', 'pending', 'cancelled'],
      ['order.cancelled', 'pending', undefined],
    ]);
    const mails = await p.query("SELECT template FROM notifications WHERE kind = 'email' ORDER BY id");
    expect(mails.map((m) => m.template)).toEqual(['order-placed', 'order-placed', 'order-shipped', 'order-delivered', 'order-cancelled']);
  });

  it('stock.low once when a change takes stock below the threshold', async () => {
    const p = ctx.platform;
    const product = await p.addProduct({ name: 'Tea', price: 4, stock: 7 });
    await p.updateStock(product, -1); // 6: still above 5
    await p.updateStock(product, -2); // 4: crosses
    await p.updateStock(product, -1); // 3: already low
    const c = await p.createCustomer({ email: 'dee@example.com', name: 'Dee' });
    await p.updateStock(product, 10); // 13
    await p.addToCart(c, product, 9);
    await p.createOrder(c); // 4: crosses again, through checkout
    const low = await p.query("SELECT payload FROM outbox_events WHERE type = 'stock.low' ORDER BY id");
    const variantId = (await p.getProduct(product))!.variants[0]!.id;
    const expected = { productId: product, variantId, sku: null, variantTitle: 'Default', name: 'Tea', stock: 4, threshold: 5 };
    expect(low.map((r) => JSON.parse(r.payload as string))).toEqual([expected, expected]);
  });

  it('stock.low is per variant: a sale of one size below the threshold names that variant only; a guest order emails its own address', async () => {
    const p = ctx.platform;
    const productId = await p.addProduct({
      name: 'Tee',
      price: 20,
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'TEE-S', options: { Size: 'S' }, stock: 6 },
        { sku: 'TEE-M', options: { Size: 'M' }, stock: 50 },
      ],
    });
    const [small, medium] = (await p.getProduct(productId))!.variants;
    const guest = { guestToken: (await p.createGuestCart()).token };
    await p.addToCart(guest, productId, 2, { variantId: small!.id });
    await p.addToCart(guest, productId, 2, { variantId: medium!.id });
    const address = { name: 'Gus Guest', line1: '1 Road', city: 'Town', postalCode: '12345', country: 'US' };
    await p.checkout(guest, { email: 'gus@example.com', shippingAddress: address });
    const low = await p.query("SELECT payload FROM outbox_events WHERE type = 'stock.low'");
    expect(low.map((r) => JSON.parse(r.payload as string))).toEqual([
      { productId, variantId: small!.id, sku: 'TEE-S', variantTitle: 'S', name: 'Tee', stock: 4, threshold: 5 },
    ]);
    expect(await p.query("SELECT recipient FROM notifications WHERE kind = 'email'")).toEqual([{ recipient: 'gus@example.com' }]);
  });

  it('registration emits customer.registered with a welcome email that carries a confirmation token (stored hashed)', async () => {
    const p = ctx.platform;
    await new AuthService(p.db, { scryptCost: 1024 }).register({ email: 'eve@example.com', name: 'Eve', password: 'correct horse battery' });
    const rows = await p.query("SELECT n.template, n.private FROM notifications n JOIN outbox_events e ON e.id = n.event_id WHERE e.type = 'customer.registered'");
    expect(rows).toHaveLength(1);
    const token = JSON.parse(rows[0]!.private as string).token as string;
    const stored = await p.query('SELECT token_hash, purpose FROM auth_tokens');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.purpose).toBe('email_confirmation');
    expect(stored[0]!.token_hash).not.toBe(token);
  });
});

describe.each(backends)('outbox retention on $name', (backend: Backend) => {
  const ctx = usePlatform(backend);

  it('the cleanup deletes sent messages past the retention with their attempts and events, keeps failed/dead ones and recent ones', async () => {
    const p = ctx.platform;
    const { purgeOutbox } = await import('../../src/notifications/retention.js');
    const product = await p.addProduct({ name: 'P', price: 1, stock: 100 });
    for (const email of ['old@example.com', 'dead@example.com', 'new@example.com']) {
      const c = await p.createCustomer({ email, name: 'X' });
      await p.addToCart(c, product, 1);
      await p.createOrder(c);
    }
    const long = new Date(Date.now() - 40 * 24 * 3600_000).toISOString();
    await p.db.run("UPDATE notifications SET status = 'sent', sent_at = ? WHERE recipient = 'old@example.com'", [long]);
    await p.db.run("UPDATE notifications SET status = 'dead', created_at = ? WHERE recipient = 'dead@example.com'", [long]);
    await p.db.run("UPDATE notifications SET status = 'sent', sent_at = ? WHERE recipient = 'new@example.com'", [new Date().toISOString()]);
    await p.db.run('UPDATE outbox_events SET created_at = ?', [long]);
    await p.db.run("INSERT INTO notification_attempts (notification_id, at, ok, status_code, duration_ms, error) SELECT id, ?, 1, NULL, 3, NULL FROM notifications WHERE recipient = 'old@example.com'", [long]);
    expect(await purgeOutbox(p.db)).toEqual({ notifications: 1, authTokens: 0 });
    expect((await p.query('SELECT recipient FROM notifications ORDER BY id')).map((r) => r.recipient)).toEqual(['dead@example.com', 'new@example.com']);
    expect(await p.query('SELECT COUNT(*) AS n FROM notification_attempts')).toEqual([{ n: 0 }]);
    expect(await p.query('SELECT COUNT(*) AS n FROM outbox_events')).toEqual([{ n: 2 }]);
  });
});
