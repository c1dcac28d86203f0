import { hostname } from 'node:os';
import type { Driver, Executor } from '../db/driver.js';
import { envWhole } from '../env.js';
import { inList } from '../db/sql.js';
import type { EventType, StoreEvent } from './events.js';
import { renderEventMail, resolveMailSettings, type MailSettings, type MailTransport } from './mail.js';
import { allowPrivateFromEnv } from './ssrf.js';
import { AttemptRecorder } from './recorder.js';
import { TemplateStore } from './templates.js';
import { postWebhook, signWebhook } from './webhooks.js';

/** Standard Webhooks' spirit: about three days in all (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export interface RunnerOptions {
  /** How often an idle runner looks for due messages (JOB_POLL_MS, default 1000). */
  pollMs?: number;
  /** How long a claim holds a message; a process that dies lets it go after this (JOB_LEASE_MS, default 30 s). */
  leaseMs?: number;
  /** The waits between attempts (RETRY_SCHEDULE_MS, comma-separated); after the last one the message is dead. */
  retryScheduleMs?: number[];
  /**
   * How long a nudged runner waits before claiming (JOB_NUDGE_MS, default 20): the messages of the
   * commits in that window share one claim and one record transaction.
   */
  nudgeMs?: number;
  /** Messages claimed per round (default 20). */
  batchSize?: number;
  /** Per webhook attempt (default 10 s). */
  webhookTimeoutMs?: number;
  /** Allow webhook targets on private addresses (WEBHOOK_ALLOW_PRIVATE=true; tests). */
  allowPrivate?: boolean;
  mail?: MailSettings;
  /** Reported when a round fails (the database is unreachable…); the runner keeps going. */
  onError?: (error: unknown) => void;
}

function envList(name: string): number[] | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const list = raw.split(',').map((s) => Number(s.trim()));
  return list.every((n) => Number.isSafeInteger(n) && n >= 0) ? list : undefined;
}

function envMs(name: string): number | undefined {
  const n = Number(process.env[name]);
  return process.env[name] && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

interface Claimed {
  id: number;
  event_id: number;
  kind: 'email' | 'webhook';
  recipient: string | null;
  template: string | null;
  private: string | null;
  attempts: number;
  type: EventType;
  payload: string;
  event_at: string;
  url: string | null;
  secret: string | null;
  enabled: number | null;
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** Not worth another attempt (a 4xx other than 408/429, a bad address). */
  permanent?: boolean;
  /** The earliest next attempt the receiver asked for. */
  retryAfterMs?: number;
  /** 410 Gone: the endpoint is disabled. */
  gone?: boolean;
}

export interface RoundOptions {
  /**
   * Look with a read before claiming (default true): an idle poll takes no write lock and costs no
   * fsync. A round started by a nudge (a local commit just enqueued messages) claims at once.
   */
  precheck?: boolean;
}

/**
 * Delivers outbox messages: claims a batch in one transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`,
 * so processes never take the same row; SQLite through its one writer), sends each outside any
 * transaction, and records the results in groups (recorder.ts: one transaction for every result
 * that is in, as soon as one is). A claim moves `next_attempt_at` to the end of the lease, so the
 * rows of a process that died become due again when it runs out; a failed attempt sets it to the
 * back-off at once. Delivery is at least once; a success is recorded once.
 */
export class NotificationRunner {
  readonly pollMs: number;
  readonly leaseMs: number;
  readonly retryScheduleMs: number[];
  private readonly batchSize: number;
  private readonly webhookTimeoutMs: number;
  private readonly allowPrivate: boolean;
  private readonly mail: ReturnType<typeof resolveMailSettings>;
  private readonly templates: TemplateStore;
  private transport: Promise<MailTransport> | undefined;
  private readonly holder = `${hostname()}:${process.pid}`;
  private claims = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  /** Rounds in flight, the timer's and runOnce callers', for stop() to wait for. */
  private readonly rounds = new Set<Promise<number>>();
  private readonly recorder: AttemptRecorder;
  private stopped = true;
  private again = false;
  private nudged = false;
  private readonly nudgeMs: number;

  constructor(
    private readonly db: Driver,
    target: string,
    private readonly options: RunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? envMs('JOB_POLL_MS') ?? 1000;
    this.leaseMs = options.leaseMs ?? envMs('JOB_LEASE_MS') ?? 30_000;
    this.retryScheduleMs = options.retryScheduleMs ?? envList('RETRY_SCHEDULE_MS') ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.batchSize = options.batchSize ?? 20;
    this.nudgeMs = options.nudgeMs ?? envWhole('JOB_NUDGE_MS', 20);
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 10_000;
    this.allowPrivate = options.allowPrivate ?? allowPrivateFromEnv();
    this.mail = resolveMailSettings(target, options.mail);
    this.templates = new TemplateStore(this.mail.templatesDir);
    this.recorder = new AttemptRecorder(db);
  }

  /** Rounds run so far (each at most one claim), for tests and benchmarks. */
  get claimRounds(): number {
    return this.claims;
  }

  /** Record transactions written so far (each holds every result that was in when it started). */
  get recordFlushes(): number {
    return this.recorder.flushes;
  }

  /** Attempts per message: the first plus one per wait in the schedule. */
  get maxAttempts(): number {
    return this.retryScheduleMs.length + 1;
  }

  /** Made at the first email: nodemailer, an optional dependency, loads only then (docs/INTEGRATION.md). */
  mailTransport(): Promise<MailTransport> {
    const { smtpUrl, mailboxDir, from } = this.mail;
    this.transport ??= import('./transports.js').then(
      (t) => (smtpUrl ? t.smtpTransport(smtpUrl, from) : t.mailboxTransport(mailboxDir, from)),
      (e: unknown) => {
        this.transport = undefined;
        throw new Error(`Sending email needs the optional dependency nodemailer (npm install nodemailer): ${(e as Error).message}`);
      },
    );
    return this.transport;
  }

  get mailboxDir(): string | undefined {
    return this.mail.smtpUrl ? undefined : this.mail.mailboxDir;
  }

  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    this.schedule(0);
    return this;
  }

  /** Look soon (after a local commit that enqueued messages) instead of at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    // A nudge already waiting takes this commit's messages too; pushing it back would starve it.
    if (this.nudged) return;
    this.nudged = true;
    this.schedule(this.nudgeMs, { precheck: false });
  }

  /** Waits for the rounds in flight and the records they queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    await Promise.allSettled(this.rounds);
    await this.recorder.idle();
    const transport = this.transport;
    this.transport = undefined;
    (await transport?.catch(() => undefined))?.close();
  }

  private schedule(ms: number, round: RoundOptions = {}): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nudged = false;
      this.round = this.runOnce(Date.now(), round)
        .then((n) => n)
        .catch((e: unknown) => {
          this.options.onError?.(e);
          return 0;
        })
        .then((n) => {
          this.round = undefined;
          if (this.stopped) return;
          const full = n >= this.batchSize;
          const more = full || this.again;
          this.again = false;
          // A full batch or a nudge during the round: there is work, so no read first.
          if (more && !full) this.nudged = true;
          this.schedule(full ? 0 : more ? this.nudgeMs : this.pollMs, { precheck: !more });
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * One round: claim due messages, deliver them, record the results. Resolves, with how many were
   * claimed, once every result is recorded.
   */
  runOnce(at = Date.now(), options: RoundOptions = {}): Promise<number> {
    const round = this.claimAndDeliver(at, options.precheck ?? true);
    this.rounds.add(round);
    const forget = () => this.rounds.delete(round);
    round.then(forget, forget);
    return round;
  }

  private async claimAndDeliver(at: number, precheck: boolean): Promise<number> {
    const claim = `${this.holder}:${++this.claims}`;
    const rows = await this.claim(claim, at, precheck);
    await Promise.all(rows.map((row) => this.deliverAndRecord(row, claim)));
    return rows.length;
  }

  private async claim(claim: string, at: number, precheck: boolean): Promise<Claimed[]> {
    const nowIso = new Date(at).toISOString();
    const until = new Date(at + this.leaseMs).toISOString();
    if (precheck) {
      // On the reader connection: an idle poll takes no write lock and costs no fsync.
      const due = await this.db.get(`SELECT id FROM notifications WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? LIMIT 1`, [nowIso]);
      if (!due) return [];
    }
    const params = [until, claim, nowIso, nowIso, this.batchSize];
    // A claim lost to a power cut only means the message is claimed again: no fsync needed.
    return this.db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') return tx.all<Claimed>(PG_CLAIM, params);
      const claimed = await tx.all<{ id: number }>(SQLITE_CLAIM, params);
      return claimed.length === 0 ? [] : loadClaimed(tx, claimed.map((c) => c.id));
    }, { durable: false });
  }

  private async deliverAndRecord(row: Claimed, claim: string): Promise<void> {
    const started = Date.now();
    let outcome: Outcome;
    try {
      outcome = row.kind === 'email' ? await this.sendEmail(row) : await this.sendWebhook(row);
    } catch (e) {
      outcome = { ok: false, statusCode: null, error: e instanceof Error ? e.message : String(e) };
    }
    await this.recorder.record({ id: row.id, claim, ok: outcome.ok, statusCode: outcome.statusCode, error: outcome.error, durationMs: Date.now() - started, ...this.afterFailure(row, outcome) });
  }

  /** What a failed attempt makes of the message: dead, or failed until the back-off (or the receiver's Retry-After) ends. */
  private afterFailure(row: Claimed, outcome: Outcome): { dead?: boolean; nextAttemptAt?: string; gone?: boolean } {
    if (outcome.ok) return {};
    const dead = outcome.permanent === true || row.attempts >= this.maxAttempts;
    const wait = dead ? 0 : Math.max(this.backoff(row.attempts), outcome.retryAfterMs ?? 0);
    return { dead, nextAttemptAt: new Date(Date.now() + wait).toISOString(), gone: outcome.gone === true };
  }

  private event(row: Claimed): StoreEvent {
    return { id: row.event_id, type: row.type, createdAt: row.event_at, data: JSON.parse(row.payload) as StoreEvent['data'] };
  }

  private async sendEmail(row: Claimed): Promise<Outcome> {
    const secret = row.private ? (JSON.parse(row.private) as Record<string, string>) : null;
    const mail = await renderEventMail(this.templates, this.mail, row.template!, this.event(row), secret);
    try {
      await (await this.mailTransport()).send({ id: row.id, to: row.recipient!, mail });
      return { ok: true, statusCode: null, error: null };
    } catch (e) {
      const code = (e as { responseCode?: number }).responseCode;
      // A refused address will be refused again; a server that is down or busy (4xx, no answer) may not be.
      return { ok: false, statusCode: code ?? null, error: (e as Error).message, permanent: code !== undefined && [501, 550, 551, 553].includes(code) };
    }
  }

  private async sendWebhook(row: Claimed): Promise<Outcome> {
    if (row.url === null || Number(row.enabled) !== 1) return { ok: false, statusCode: null, error: 'the endpoint is disabled', permanent: true };
    const event = this.event(row);
    const id = `msg_${row.id}`;
    const body = JSON.stringify({ id, type: event.type, createdAt: event.createdAt, data: event.data });
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await postWebhook(
      row.url,
      { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(row.secret!, id, timestamp, body) },
      body,
      { timeoutMs: this.webhookTimeoutMs, allowPrivate: this.allowPrivate },
    );
    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300) return { ok: true, statusCode: status, error: null };
    if (status === null) return { ok: false, statusCode: null, error: result.error ?? 'no response', permanent: result.error?.includes('private address') };
    const retryable = status === 408 || status === 429 || status >= 500;
    return {
      ok: false,
      statusCode: status,
      error: `HTTP ${status}`,
      permanent: !retryable,
      gone: status === 410,
      ...(result.retryAfterSeconds !== undefined && (status === 429 || status === 503) ? { retryAfterMs: result.retryAfterSeconds * 1000 } : {}),
    };
  }

  /** The schedule's wait after the n-th failed attempt, ±20 % jitter so retries of many messages spread out. */
  private backoff(attempts: number): number {
    const base = this.retryScheduleMs[Math.min(attempts, this.retryScheduleMs.length) - 1] ?? 0;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

/** Takes due rows: the lease moves next_attempt_at on, so another round skips them until it ends. */
const claimStatement = (lock: string, returning: string) => `UPDATE notifications SET next_attempt_at = ?, claimed_by = ?, attempts = attempts + 1, updated_at = ?
  WHERE id IN (SELECT id FROM notifications WHERE status IN ('pending', 'failed') AND next_attempt_at <= ?
               ORDER BY next_attempt_at, id LIMIT ?${lock})
  RETURNING ${returning}`;

/** SQLite: its one writer serialises claims; the load is a second statement (in-process, no round trip). */
const SQLITE_CLAIM = claimStatement('', 'id');

/**
 * PostgreSQL: the claim and the load in one statement (SKIP LOCKED: processes never take the same
 * row). The notification's columns come from RETURNING, since a SELECT in the same statement sees
 * the rows as they were before the UPDATE (its `attempts` one short).
 */
const PG_CLAIM = `WITH c AS (${claimStatement(' FOR UPDATE SKIP LOCKED', 'id, event_id, kind, recipient, template, private, attempts, endpoint_id')})
SELECT c.id, c.event_id, c.kind, c.recipient, c.template, c.private, c.attempts, e.type, e.payload, e.created_at AS event_at,
       w.url, w.secret, w.enabled
FROM c JOIN outbox_events e ON e.id = c.event_id LEFT JOIN webhook_endpoints w ON w.id = c.endpoint_id
ORDER BY c.id`;

async function loadClaimed(tx: Executor, ids: number[]): Promise<Claimed[]> {
  const where = inList(tx.dialect, 'n.id', ids);
  return tx.all<Claimed>(
    `SELECT n.id, n.event_id, n.kind, n.recipient, n.template, n.private, n.attempts, e.type, e.payload, e.created_at AS event_at,
            w.url, w.secret, w.enabled
     FROM notifications n JOIN outbox_events e ON e.id = n.event_id LEFT JOIN webhook_endpoints w ON w.id = n.endpoint_id
     WHERE ${where.sql} ORDER BY n.id`,
    where.params,
  );
}
