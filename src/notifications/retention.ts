import type { Driver } from '../db/driver.js';
import { now } from '../db/sql.js';

/** Sent messages are kept this long for the admin view (default 30 days; NOTIFICATION_RETENTION_MS). */
export function outboxRetentionMs(): number {
  const n = Number(process.env.NOTIFICATION_RETENTION_MS);
  return process.env.NOTIFICATION_RETENTION_MS && Number.isSafeInteger(n) && n > 0 ? n : 30 * 24 * 3600_000;
}

/**
 * Deletes sent messages older than the retention with their attempts, events left without any
 * message, and one-time tokens that expired a day ago or more. Failed and dead messages stay
 * until an admin deals with them.
 */
export async function purgeOutbox(db: Driver, retentionMs = outboxRetentionMs()): Promise<{ notifications: number; authTokens: number }> {
  const before = new Date(Date.now() - retentionMs).toISOString();
  const tokensBefore = new Date(Date.now() - 24 * 3600_000).toISOString();
  return db.transaction(async (tx) => {
    await tx.run("DELETE FROM notification_attempts WHERE notification_id IN (SELECT id FROM notifications WHERE status = 'sent' AND sent_at < ?)", [before]);
    const notifications = (await tx.run("DELETE FROM notifications WHERE status = 'sent' AND sent_at < ?", [before])).changes;
    await tx.run('DELETE FROM outbox_events WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = outbox_events.id)', [before]);
    const authTokens = (await tx.run('DELETE FROM auth_tokens WHERE expires_at < ? AND expires_at < ?', [tokensBefore, now()])).changes;
    return { notifications, authTokens };
  });
}
