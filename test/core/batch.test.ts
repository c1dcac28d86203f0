import { describe, expect, it } from 'vitest';
import { ref, runBatch, statement } from '../../src/db/batch.js';
import { backends } from '../backends.js';
import { snapshot, usePlatform } from './fixture.js';

describe.each(backends)('runBatch on $name', (backend) => {
  const ctx = usePlatform(backend);

  it('runs the statements in order, passes a returned id on by Ref and returns each statement’s rows', async () => {
    const { platform } = ctx;
    const productId = await platform.addProduct({ name: 'Batched', priceCents: 100, stock: 10 });
    const variant = (await platform.db.all<{ id: number }>('SELECT id FROM product_variants WHERE product_id = ?', [productId]))[0]!.id;
    const result = await platform.db.transaction(async (tx) => {
      const before = statement('SELECT stock FROM product_variants WHERE id = ?', [variant]);
      const event = statement('INSERT INTO outbox_events (type, payload, created_at) VALUES (?, ?, ?) RETURNING id', ['test.batch', '{}', '2026-01-01T00:00:00.000Z']);
      const message = statement(
        `INSERT INTO notifications (event_id, kind, recipient, template, status, next_attempt_at, created_at, updated_at)
         VALUES (?, 'email', ?, ?, 'dead', ?, ?, ?)`,
        [ref(event, 'id'), 'a@example.com', 'order-placed', 'x', 'x', 'x'],
      );
      const take = statement('UPDATE product_variants SET stock = stock - ? WHERE id = ? AND stock >= ? RETURNING id, stock', [3, variant, 3]);
      const refused = statement('UPDATE product_variants SET stock = stock - ? WHERE id = ? AND stock >= ? RETURNING id, stock', [100, variant, 100]);
      const done = await runBatch(tx, [before, event, message, take, refused]);
      return {
        before: done.rows(before),
        eventId: done.rows<{ id: number }>(event)[0]!.id,
        message: done.rows(message),
        take: done.rows(take),
        refused: done.rows(refused),
      };
    });
    // The SELECT saw the stock as it was before the batch's writes.
    expect(result.before).toEqual([{ stock: 10 }]);
    expect(result.message).toEqual([]);
    expect(result.take).toEqual([{ id: variant, stock: 7 }]);
    expect(result.refused).toEqual([]);
    const rows = await platform.db.all('SELECT event_id, recipient FROM notifications WHERE kind = ?', ['email']);
    expect(rows).toEqual([{ event_id: result.eventId, recipient: 'a@example.com' }]);
  });

  it('is one round trip on PostgreSQL and rolls back with its transaction', async () => {
    const { platform } = ctx;
    const productId = await platform.addProduct({ name: 'Rolled back', priceCents: 100, stock: 5 });
    const before = await snapshot(platform);
    const trips = platform.db.stats.roundTrips;
    await expect(
      platform.db.transaction(async (tx) => {
        await runBatch(tx, [
          statement('UPDATE products SET stock = stock - 1 WHERE id = ? RETURNING id', [productId]),
          statement('INSERT INTO outbox_events (type, payload, created_at) VALUES (?, ?, ?) RETURNING id', ['test.batch', '{}', 'x']),
          statement('INSERT INTO order_status_history (order_id, status, at) VALUES (?, ?, ?)', [999_999, 'pending', 'x']),
        ]);
        throw new Error('abandon');
      }),
    ).rejects.toThrow(/abandon|foreign key/i);
    // BEGIN pipelined with the batch, then ROLLBACK (the missing order fails the foreign key at the batch or at the end).
    if (backend.name === 'postgres') expect(platform.db.stats.roundTrips - trips).toBe(2);
    expect(await snapshot(platform)).toEqual(before);
  });

  it('refuses a SELECT after a write and a Ref to a later statement, before running anything', async () => {
    const { platform } = ctx;
    const before = await snapshot(platform);
    const write = statement('INSERT INTO outbox_events (type, payload, created_at) VALUES (?, ?, ?) RETURNING id', ['test.batch', '{}', 'x']);
    await expect(platform.db.transaction((tx) => runBatch(tx, [write, statement('SELECT 1 AS one')]))).rejects.toThrow(/SELECT must come before/);
    const later = statement('INSERT INTO outbox_events (type, payload, created_at) VALUES (?, ?, ?) RETURNING id', ['test.batch', '{}', 'x']);
    const early = statement('INSERT INTO outbox_events (type, payload, created_at) VALUES (?, ?, ?) RETURNING id', [ref(later, 'id'), '{}', 'x']);
    await expect(platform.db.transaction((tx) => runBatch(tx, [early, later]))).rejects.toThrow(/Ref must name an earlier/);
    expect(await snapshot(platform)).toEqual(before);
  });
});
