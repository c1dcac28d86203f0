import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Driver, Executor } from '../db/driver.js';
import { Assignments, now } from '../db/sql.js';
import { NotFoundError, ValidationError } from '../errors.js';
import * as v from '../validate.js';
import { EVENT_TYPES } from './events.js';
import { assertPublicHost, guardedLookup } from './ssrf.js';

export interface WebhookEndpoint {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  url: string;
  events: string[];
  description?: string | null;
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
  /** true: a new secret replaces the old one at once; it is returned once, like at creation. */
  rotateSecret?: boolean;
}

export interface DeliveryAttempt {
  notificationId: number;
  eventId: number;
  eventType: string;
  at: string;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

interface EndpointRow {
  id: number;
  url: string;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's bytes. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function validUrl(input: unknown): string {
  const text = v.text(input, 'url', 2000, 1);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError('url must be an absolute http(s) URL', [{ path: 'url', message: 'must be an absolute http(s) URL' }]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError('url must be an absolute http(s) URL', [{ path: 'url', message: 'must use http or https' }]);
  }
  if (url.username || url.password) throw new ValidationError('url must not carry credentials', [{ path: 'url', message: 'must not carry credentials' }]);
  return url.toString();
}

function validEvents(input: unknown): string[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > 50) {
    throw new ValidationError('events must list 1 to 50 event types', [{ path: 'events', message: 'must list 1 to 50 event types' }]);
  }
  const known = new Set<string>([...EVENT_TYPES, '*']);
  for (const [i, e] of input.entries()) {
    if (typeof e !== 'string' || !known.has(e)) {
      throw new ValidationError(`events[${i}] is not a known event type`, [{ path: `events/${i}`, message: `must be one of ${[...known].join(', ')}` }]);
    }
  }
  return [...new Set(input as string[])].sort();
}

/** Webhook endpoints (admin): one row per receiver with its secret and the event types it wants. */
export class WebhookService {
  constructor(private readonly db: Driver) {}

  async create(input: NewWebhook): Promise<WebhookEndpoint & { secret: string }> {
    const r = v.record(input, 'webhook', ['url', 'events', 'description']);
    const url = validUrl(r.url);
    const events = validEvents(r.events);
    const description = v.optionalText(r.description, 'description', 500);
    const secret = newWebhookSecret();
    const id = await this.db.transaction(async (tx) => {
      const at = now();
      const row = await tx.get<{ id: number }>(
        'INSERT INTO webhook_endpoints (url, description, secret, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?) RETURNING id',
        [url, description, secret, at, at],
      );
      await this.subscribe(tx, row!.id, events);
      return row!.id;
    });
    return { ...(await this.get(id)), secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    const rows = await this.db.all<EndpointRow>('SELECT id, url, description, enabled, disabled_reason, created_at, updated_at FROM webhook_endpoints ORDER BY id');
    const subs = await this.db.all<{ endpoint_id: number; event_type: string }>('SELECT endpoint_id, event_type FROM webhook_subscriptions ORDER BY endpoint_id, event_type');
    return rows.map((r) => toEndpoint(r, subs.filter((s) => s.endpoint_id === r.id).map((s) => s.event_type)));
  }

  async get(id: number, ex: Executor = this.db): Promise<WebhookEndpoint> {
    const wid = v.id(id, 'id');
    const row = await ex.get<EndpointRow>('SELECT id, url, description, enabled, disabled_reason, created_at, updated_at FROM webhook_endpoints WHERE id = ?', [wid]);
    if (!row) throw new NotFoundError('Webhook', wid);
    const subs = await ex.all<{ event_type: string }>('SELECT event_type FROM webhook_subscriptions WHERE endpoint_id = ? ORDER BY event_type', [wid]);
    return toEndpoint(row, subs.map((s) => s.event_type));
  }

  async update(id: number, patch: WebhookPatch): Promise<WebhookEndpoint & { secret?: string }> {
    const wid = v.id(id, 'id');
    const p = v.record(patch, 'patch', ['url', 'events', 'description', 'enabled', 'rotateSecret']);
    const set = new Assignments();
    if (p.url !== undefined) set.set('url', validUrl(p.url));
    if (p.description !== undefined) set.set('description', v.optionalText(p.description, 'description', 500));
    if (p.enabled !== undefined) {
      if (typeof p.enabled !== 'boolean') throw new ValidationError('enabled must be a boolean', [{ path: 'enabled', message: 'must be a boolean' }]);
      set.set('enabled', p.enabled ? 1 : 0).set('disabled_reason', p.enabled ? null : 'disabled by an administrator');
    }
    const events = p.events === undefined ? undefined : validEvents(p.events);
    if (p.rotateSecret !== undefined && typeof p.rotateSecret !== 'boolean') {
      throw new ValidationError('rotateSecret must be a boolean', [{ path: 'rotateSecret', message: 'must be a boolean' }]);
    }
    const secret = p.rotateSecret === true ? newWebhookSecret() : undefined;
    if (secret) set.set('secret', secret);
    set.set('updated_at', now());
    await this.db.transaction(async (tx) => {
      const changed = await tx.run(`UPDATE webhook_endpoints SET ${set.sql} WHERE id = ?`, [...set.params, wid]);
      if (changed.changes === 0) throw new NotFoundError('Webhook', wid);
      if (events) {
        await tx.run('DELETE FROM webhook_subscriptions WHERE endpoint_id = ?', [wid]);
        await this.subscribe(tx, wid, events);
      }
    });
    const endpoint = await this.get(wid);
    return secret ? { ...endpoint, secret } : endpoint;
  }

  /** Removes the endpoint with its messages and their attempts. */
  async delete(id: number): Promise<void> {
    const wid = v.id(id, 'id');
    await this.db.transaction(async (tx) => {
      if (!(await tx.get('SELECT id FROM webhook_endpoints WHERE id = ?', [wid]))) throw new NotFoundError('Webhook', wid);
      await tx.run('DELETE FROM notification_attempts WHERE notification_id IN (SELECT id FROM notifications WHERE endpoint_id = ?)', [wid]);
      await tx.run('DELETE FROM notifications WHERE endpoint_id = ?', [wid]);
      await tx.run('DELETE FROM webhook_subscriptions WHERE endpoint_id = ?', [wid]);
      await tx.run('DELETE FROM webhook_endpoints WHERE id = ?', [wid]);
    });
  }

  /** Every attempt to this endpoint, newest first. */
  async deliveries(id: number, limit = 100): Promise<DeliveryAttempt[]> {
    const wid = v.id(id, 'id');
    await this.get(wid);
    const rows = await this.db.all<{ notification_id: number; event_id: number; type: string; at: string; ok: number; status_code: number | null; duration_ms: number; error: string | null }>(
      `SELECT a.notification_id, n.event_id, e.type, a.at, a.ok, a.status_code, a.duration_ms, a.error FROM notification_attempts a
       JOIN notifications n ON n.id = a.notification_id JOIN outbox_events e ON e.id = n.event_id
       WHERE n.endpoint_id = ? ORDER BY a.id DESC LIMIT ?`,
      [wid, v.integer(limit, 'limit', 1, 1000)],
    );
    return rows.map((r) => ({
      notificationId: r.notification_id,
      eventId: r.event_id,
      eventType: r.type,
      at: r.at,
      ok: Number(r.ok) === 1,
      statusCode: r.status_code,
      durationMs: Number(r.duration_ms),
      error: r.error,
    }));
  }

  private async subscribe(tx: Executor, endpointId: number, events: string[]): Promise<void> {
    for (const e of events) await tx.run('INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES (?, ?)', [endpointId, e]);
  }
}

function toEndpoint(r: EndpointRow, events: string[]): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    events,
    description: r.description,
    enabled: Number(r.enabled) === 1,
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface PostResult {
  statusCode: number | null;
  /** Seconds the receiver asked to wait (Retry-After on 429/503). */
  retryAfterSeconds?: number;
  error?: string;
}

/**
 * One signed POST. No redirects are followed; the connection goes only to an address that passed
 * the SSRF check (see ssrf.ts); the whole exchange is bounded by `timeoutMs`.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
      assertPublicHost(target.hostname, options.allowPrivate);
    } catch (e) {
      return resolve({ statusCode: null, error: (e as Error).message });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Storekeeper-Webhooks/1' },
        lookup: guardedLookup(options.allowPrivate) as never,
        timeout: options.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          const raw = res.headers['retry-after'];
          const seconds = raw === undefined ? NaN : /^\d+$/.test(raw) ? Number(raw) : (Date.parse(raw) - Date.now()) / 1000;
          resolve({ statusCode: res.statusCode ?? null, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: Math.ceil(seconds) } : {}) });
        });
        res.on('error', (e) => resolve({ statusCode: res.statusCode ?? null, error: e.message }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on('error', (e) => {
      clearTimeout(timer);
      resolve({ statusCode: null, error: e.message });
    });
    req.end(body);
  });
}
