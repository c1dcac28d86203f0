import type { Driver } from '../db/driver.js';

/** A stable 32-bit key per job name for pg_try_advisory_xact_lock (namespace 7468 is the engine's). */
function lockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

export interface ClaimOptions {
  /** Who claims (logged in the row); e.g. host:pid. */
  holder: string;
  /** The lease length: nobody else runs the job until it has passed. */
  intervalMs: number;
  /** The current time in ms (tests pass their own clock). */
  at?: number;
  /**
   * PostgreSQL: try a transaction-scoped advisory lock first, so a process that finds another one
   * claiming right now skips at once instead of waiting on the lease row. Not needed for
   * correctness; turn off on databases without advisory locks (CockroachDB).
   */
  advisoryLock?: boolean;
}

/**
 * Claims this interval's run of `job` for the caller. True for exactly one caller per interval,
 * whatever the number of processes: the claim is a conditional UPDATE (`expires_at <= now`) in a
 * write transaction, so of two concurrent claims the second finds the lease already taken
 * (SQLite: BEGIN IMMEDIATE serialises them; PostgreSQL: the row lock makes the second UPDATE
 * re-check the condition on the committed row).
 */
export async function claimRun(db: Driver, job: string, options: ClaimOptions): Promise<boolean> {
  const at = options.at ?? Date.now();
  const nowIso = new Date(at).toISOString();
  const until = new Date(at + options.intervalMs).toISOString();
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres' && options.advisoryLock !== false) {
      const got = await tx.get<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(7468, ?) AS ok', [lockKey(job)]);
      if (!got?.ok) return false;
    }
    await tx.run('INSERT INTO job_leases (name, holder, expires_at, last_run_at) VALUES (?, NULL, ?, NULL) ON CONFLICT (name) DO NOTHING', [
      job,
      new Date(0).toISOString(),
    ]);
    const claimed = await tx.run('UPDATE job_leases SET holder = ?, expires_at = ?, last_run_at = ? WHERE name = ? AND expires_at <= ?', [
      options.holder,
      until,
      nowIso,
      job,
      nowIso,
    ]);
    return claimed.changes === 1;
  });
}
