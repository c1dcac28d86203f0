import type { Driver } from '../db/driver.js';
import { now } from '../db/sql.js';
import { ConflictError, NotFoundError } from '../errors.js';
import * as v from '../validate.js';

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export const NOTIFICATION_KINDS = ['email', 'webhook'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One outbox message: an email to one address or a webhook to one endpoint. */
export interface Notification {
  id: number;
  eventId: number;
  eventType: string;
  kind: NotificationKind;
  /** The email address (email) or null (webhook). */
  recipient: string | null;
  endpointId: number | null;
  template: string | null;
  /** pending: not tried yet · failed: will be retried at nextAttemptAt · sent · dead: given up. */
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  event_id: number;
  type: string;
  kind: NotificationKind;
  recipient: string | null;
  endpoint_id: number | null;
  template: string | null;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT n.id, n.event_id, e.type, n.kind, n.recipient, n.endpoint_id, n.template, n.status, n.attempts, n.last_error,
  n.next_attempt_at, n.sent_at, n.created_at, n.updated_at FROM notifications n JOIN outbox_events e ON e.id = n.event_id`;

export interface NotificationQuery {
  status?: NotificationStatus;
  kind?: NotificationKind;
  limit?: number;
  /** Keyset page: messages with a smaller id. */
  beforeId?: number;
}

/** What the admin sees of the outbox, and the manual retry. */
export class NotificationService {
  constructor(private readonly db: Driver) {}

  async list(query: NotificationQuery = {}): Promise<Notification[]> {
    const q = v.record(query, 'query', ['status', 'kind', 'limit', 'beforeId']);
    const status = q.status === undefined ? null : v.oneOf(q.status, 'status', NOTIFICATION_STATUSES);
    const kind = q.kind === undefined ? null : v.oneOf(q.kind, 'kind', NOTIFICATION_KINDS);
    const limit = v.integer(q.limit ?? 50, 'limit', 1, 500);
    const before = q.beforeId === undefined ? Number.MAX_SAFE_INTEGER : v.id(q.beforeId, 'beforeId');
    const rows = await this.db.all<Row>(
      `${SELECT} WHERE n.id < ? AND (CAST(? AS TEXT) IS NULL OR n.status = ?) AND (CAST(? AS TEXT) IS NULL OR n.kind = ?) ORDER BY n.id DESC LIMIT ?`,
      [before, status, status, kind, kind, limit],
    );
    return rows.map(toNotification);
  }

  async get(id: number): Promise<Notification> {
    const nid = v.id(id, 'id');
    const row = await this.db.get<Row>(`${SELECT} WHERE n.id = ?`, [nid]);
    if (!row) throw new NotFoundError('Notification', nid);
    return toNotification(row);
  }

  /** A failed or dead message goes back to pending with a fresh count of attempts; a sent one is a conflict. */
  async retry(id: number): Promise<Notification> {
    const nid = v.id(id, 'id');
    await this.db.transaction(async (tx) => {
      const row = await tx.get<{ status: NotificationStatus }>('SELECT status FROM notifications WHERE id = ?', [nid]);
      if (!row) throw new NotFoundError('Notification', nid);
      if (row.status === 'sent') throw new ConflictError(`Notification ${nid} was already delivered`);
      const at = now();
      await tx.run("UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_by = NULL, updated_at = ? WHERE id = ?", [at, at, nid]);
    });
    return this.get(nid);
  }
}

function toNotification(r: Row): Notification {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    kind: r.kind,
    recipient: r.recipient,
    endpointId: r.endpoint_id,
    template: r.template,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' || r.status === 'failed' ? r.next_attempt_at : null,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
