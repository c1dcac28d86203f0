import { AuthService, type AuthOptions } from '../auth/service.js';
import { GUEST_CART_TTL_MS, purgeGuestCarts } from '../cart/owner.js';
import type { Driver } from '../db/driver.js';
import { purgeOutbox } from '../notifications/retention.js';
import type { ClusterJob } from './scheduler.js';

export interface CleanupOptions {
  /** How often the cluster cleans up (default CLEANUP_INTERVAL_MS or 10 minutes). */
  intervalMs?: number;
  /** Stored idempotent responses older than this are deleted (default 24 hours). */
  idempotencyTtlMs?: number;
  /** Guest carts untouched for this long are deleted with their lines (default 30 days). */
  guestCartTtlMs?: number;
  auth?: AuthOptions;
}

export interface CleanupResult {
  sessions: number;
  idempotentResponses: number;
  guestCarts: number;
  /** Sent outbox messages past their retention, and expired one-time tokens (src/notifications/retention.ts). */
  notifications: number;
  authTokens: number;
}

/** Deletes expired sessions, old login failures, idempotent responses past their retention, abandoned guest carts and sent outbox messages past theirs. */
export async function cleanupExpired(db: Driver, options: CleanupOptions = {}): Promise<CleanupResult> {
  const sessions = await new AuthService(db, options.auth).purgeExpired();
  const before = new Date(Date.now() - (options.idempotencyTtlMs ?? 24 * 3600_000)).toISOString();
  const idempotentResponses = (await db.run('DELETE FROM idempotent_responses WHERE created_at < ?', [before])).changes;
  const cartsBefore = new Date(Date.now() - (options.guestCartTtlMs ?? GUEST_CART_TTL_MS)).toISOString();
  const guestCarts = await db.transaction((tx) => purgeGuestCarts(tx, cartsBefore));
  const outbox = await purgeOutbox(db);
  return { sessions, idempotentResponses, guestCarts, ...outbox };
}

/** The cleanup as a once-per-cluster job for ClusterScheduler. */
export function cleanupJob(db: Driver, options: CleanupOptions = {}): ClusterJob {
  const env = Number(process.env.CLEANUP_INTERVAL_MS);
  return {
    name: 'cleanup-expired',
    intervalMs: options.intervalMs ?? (Number.isFinite(env) && env > 0 ? env : 10 * 60_000),
    run: () => cleanupExpired(db, options),
  };
}
