import type { Driver, Executor } from '../db/driver.js';
import { inList, insertRows, now } from '../db/sql.js';

/** One delivery attempt's result, waiting to be written. */
export interface AttemptResult {
  id: number;
  /** The claim the attempt was made under: a failure is recorded only while that claim still holds the row. */
  claim: string;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** For a failure: dead (permanent, or the last attempt) or failed until nextAttemptAt. */
  dead?: boolean;
  nextAttemptAt?: string;
  /** 410 Gone: the endpoint is disabled. */
  gone?: boolean;
}

interface Waiting {
  result: AttemptResult;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Writes attempt results in groups (group commit): one flush at a time writes everything queued
 * in one transaction; results that arrive during a flush go in the next one. A flush starts as
 * soon as a result is there, so a slow webhook never holds back the record of a fast email.
 */
export class AttemptRecorder {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | undefined;
  /** Flushes written (one transaction each), for tests and benchmarks. */
  flushes = 0;

  constructor(private readonly db: Driver) {}

  /** Resolves once the result is committed; rejects when its flush failed. */
  record(result: AttemptResult): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ result, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves once every result queued so far is written (or its flush failed). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // One turn of the event loop: results that arrived in the same I/O phase share the flush.
        await new Promise((r) => setImmediate(r));
        const batch = this.queue.splice(0);
        try {
          this.flushes++;
          await this.db.transaction((tx) => write(tx, batch.map((w) => w.result)), {
            // A success mark lost to a power cut only means the message is sent again, which
            // at-least-once delivery already allows; a lost failure mark, one more attempt when
            // the lease runs out. A crash of this process loses nothing committed. So no fsync.
            durable: false,
          });
          for (const w of batch) w.resolve();
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      // Synchronous with the loop's last check of the queue, so no result is left without a flush.
      this.flushing = undefined;
    }
  }
}

const ATTEMPT_COLUMNS = ['notification_id', 'at', 'ok', 'status_code', 'duration_ms', 'error'] as const;

/** Every result of one flush: successes in one UPDATE, failures one each, attempts in multi-row INSERTs. */
async function write(tx: Executor, results: AttemptResult[]): Promise<void> {
  const at = now();
  const recorded: AttemptResult[] = [];
  const successes = results.filter((r) => r.ok);
  if (successes.length > 0) {
    const ids = inList(tx.dialect, 'id', successes.map((r) => r.id));
    // Whoever records first wins: a repeat delivered after a lease ran out is not a second success.
    const sent = await tx.all<{ id: number }>(
      `UPDATE notifications SET status = 'sent', sent_at = ?, last_error = NULL, private = NULL, claimed_by = NULL, updated_at = ?
       WHERE ${ids.sql} AND status IN ('pending', 'failed') RETURNING id`,
      [at, at, ...ids.params],
    );
    const fresh = new Set(sent.map((r) => Number(r.id)));
    // delete(): the same message twice in one flush is still one success.
    for (const r of successes) if (fresh.delete(r.id)) recorded.push(r);
  }
  for (const r of results) {
    if (r.ok) continue;
    const { changes } = await tx.run(
      `UPDATE notifications SET status = ?, next_attempt_at = ?, last_error = ?, claimed_by = NULL, updated_at = ?
       WHERE id = ? AND status IN ('pending', 'failed') AND claimed_by = ?`,
      [r.dead ? 'dead' : 'failed', r.nextAttemptAt ?? at, r.error, at, r.id, r.claim],
    );
    if (changes !== 1) continue;
    recorded.push(r);
    if (r.gone) {
      await tx.run("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'the receiver answered 410 Gone', updated_at = ? WHERE id = (SELECT endpoint_id FROM notifications WHERE id = ?)", [
        at,
        r.id,
      ]);
    }
  }
  await insertRows(
    tx,
    'notification_attempts',
    ATTEMPT_COLUMNS,
    recorded.map((r) => [r.id, at, r.ok ? 1 : 0, r.statusCode, r.durationMs, r.error]),
  );
}
