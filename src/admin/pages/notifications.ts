import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { EVENT_TYPES } from '../../notifications/events.js';
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES, type Notification, type NotificationKind, type NotificationStatus } from '../../notifications/service.js';
import type { WebhookEndpoint } from '../../notifications/webhooks.js';
import { csrfInput } from '../../web/csrf.js';
import { field, fields, formOf, type FormBody } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import { guard, idParam, PAGE, param, pathId, render, type AdminContext, type Staff } from '../context.js';
import { nextLink, notice, when } from '../layout.js';

const PAGE_SIZE = 50;
const ALL_EVENTS = '*';

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** The event checkboxes of the create and edit forms; `*` is every event, present and future. */
function eventChoices(prefix: string, chosen: readonly string[]) {
  return html`<fieldset><legend>Events</legend>
    ${[ALL_EVENTS, ...EVENT_TYPES].map(
      (e) => html`<p><input type="checkbox" id="${prefix}-${e}" name="events" value="${e}"${chosen.includes(e) ? html` checked` : ''}><label for="${prefix}-${e}">${
        e === ALL_EVENTS ? 'All events (*)' : e
      }</label></p>`,
    )}
  </fieldset>`;
}

function endpointFields(prefix: string, w: WebhookEndpoint | null) {
  return html`<p><label for="${prefix}-url">URL</label><input id="${prefix}-url" name="url" type="url" required maxlength="2000" value="${w?.url ?? ''}" aria-describedby="${prefix}-url-hint">
      <span id="${prefix}-url-hint" class="hint">https://… of the receiver; it gets signed POSTs (Standard Webhooks)</span></p>
    <p><label for="${prefix}-description">Description (optional)</label><input id="${prefix}-description" name="description" maxlength="500" value="${w?.description ?? ''}"></p>
    ${eventChoices(prefix, w?.events ?? [])}`;
}

/** The :id of the URL; anything but a positive id is a 404 page like an unknown one. */
function idOf(request: FastifyRequest, what: 'Webhook' | 'Notification'): number {
  const id = pathId(request);
  if (!id) throw new NotFoundError(what, (request.params as { id?: string }).id ?? '');
  return id;
}

const optional = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** The endpoint fields of a posted form, as the webhook service takes them (it validates them). */
function endpointInput(form: FormBody): { url: string; events: string[]; description: string | null } {
  return { url: field(form, 'url').trim(), events: fields(form, 'events'), description: optional(field(form, 'description')) };
}

/** The signing secret, shown on the answer to the POST that made it and never again. */
function secretPage(ctx: AdminContext, request: FastifyRequest, reply: FastifyReply, staff: Staff, w: WebhookEndpoint, secret: string, what: string) {
  const body = html`<p class="notice" role="status">${what}</p>
    <section class="card" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p>Copy it now into the receiver: it is shown only this once. If it is lost, rotate it.</p>
      <p><label for="secret">Secret of ${w.url}</label><input id="secret" class="mono" readonly value="${secret}"></p>
      <p><a href="/admin/webhooks/${w.id}">Continue to the endpoint</a></p>
    </section>`;
  return render(ctx, request, reply, staff, { title: 'Webhook secret', section: 'webhooks', body });
}

/** Admin-only pages over the notification and webhook services: the outbox log with retry, and webhook endpoints. */
export function notificationPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/notifications', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const status = oneOf<NotificationStatus>(param(request, 'status'), NOTIFICATION_STATUSES);
    const kind = oneOf<NotificationKind>(param(request, 'kind'), NOTIFICATION_KINDS);
    const before = idParam(request, 'before');
    const [items, endpoints] = await Promise.all([
      platform.notifications.list({ status, kind, limit: PAGE_SIZE, ...(before ? { beforeId: before } : {}) }),
      platform.webhooks.list(),
    ]);
    const urls = new Map(endpoints.map((e) => [e.id, e.url]));
    const filters = { status: status ?? '', kind: kind ?? '' };
    const to = (n: Notification) =>
      n.kind === 'email' ? n.recipient ?? '—' : n.endpointId ? html`<a href="/admin/webhooks/${n.endpointId}">${urls.get(n.endpointId) ?? `endpoint ${n.endpointId}`}</a>` : '—';
    const body = html`
      ${notice(param(request, 'done'))}
      <p>Every email and webhook delivery the shop sends, newest first. A failed message is retried on its own schedule; a dead one has used up its attempts and waits for a retry here.</p>
      <form method="get" action="/admin/notifications" class="filters" role="search" aria-label="Filter notifications">
        <p><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>${NOTIFICATION_STATUSES.map(
          (s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`,
        )}</select></p>
        <p><label for="f-kind">Kind</label><select id="f-kind" name="kind"><option value="">Any</option>${NOTIFICATION_KINDS.map(
          (k) => html`<option value="${k}"${k === kind ? html` selected` : ''}>${k}</option>`,
        )}</select></p>
        <p><button type="submit">Filter</button></p>
      </form>
      ${items.length === 0
        ? html`<p>No messages match.</p>`
        : html`<div class="scroll" tabindex="0"><table>
        <caption class="sr">Notifications, newest first</caption>
        <thead><tr><th scope="col">#</th><th scope="col">Event</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">When</th><th scope="col"><span class="sr">Action</span></th></tr></thead>
        <tbody>${items.map(
          (n) => html`<tr><td>${n.id}</td><td>${n.eventType}</td><td>${n.kind}: ${to(n)}</td><td>${n.status}</td><td>${n.attempts}</td><td>${n.lastError ?? '—'}</td>
            <td>${n.sentAt ? `sent ${when(n.sentAt)}` : n.nextAttemptAt ? `next ${when(n.nextAttemptAt)}` : `created ${when(n.createdAt)}`}</td>
            <td>${n.status === 'failed' || n.status === 'dead'
              ? html`<form method="post" action="/admin/notifications/${n.id}/retry">${csrfInput(staff.csrf)}
                  <input type="hidden" name="status" value="${filters.status}"><input type="hidden" name="kind" value="${filters.kind}">
                  <button type="submit" aria-label="Retry message ${n.id}">Retry</button></form>`
              : ''}</td></tr>`,
        )}</tbody></table></div>`}
      ${nextLink('/admin/notifications', filters, 'before', items.length === PAGE_SIZE ? String(items.at(-1)!.id) : null)}`;
    return render(ctx, request, reply, staff, { title: 'Notifications', section: 'notifications', body });
  });

  scope.post('/notifications/:id/retry', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const n = await platform.notifications.retry(idOf(request, 'Notification'));
    platform.runner?.nudge();
    const back = new URLSearchParams();
    for (const name of ['status', 'kind']) if (field(form, name)) back.set(name, field(form, name));
    back.set('done', `Message ${n.id} will be sent again`);
    return redirectAfterPost(reply, `/admin/notifications?${back.toString()}`);
  });

  scope.get('/webhooks', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const endpoints = await platform.webhooks.list();
    const body = html`
      ${notice(param(request, 'done'))}
      <section class="card" aria-labelledby="endpoints"><h2 id="endpoints">Endpoints</h2>
        ${endpoints.length === 0
          ? html`<p>No webhook endpoints yet.</p>`
          : html`<div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th></tr></thead>
          <tbody>${endpoints.map(
            (w) => html`<tr><td><a href="/admin/webhooks/${w.id}">${w.url}</a>${w.description ? html`<br><span class="hint">${w.description}</span>` : ''}</td>
              <td>${w.events.join(', ')}</td><td>${w.enabled ? 'Enabled' : `Disabled (${w.disabledReason ?? 'no reason'})`}</td></tr>`,
          )}</tbody></table></div>`}
      </section>
      <section class="card" aria-labelledby="new-endpoint"><h2 id="new-endpoint">New endpoint</h2>
        <form method="post" action="/admin/webhooks" class="stack">
          ${csrfInput(staff.csrf)}
          ${endpointFields('new', null)}
          <p><button type="submit">Create endpoint</button></p>
        </form>
      </section>
      <p><a href="/admin/notifications?kind=webhook">Every webhook message</a></p>`;
    return render(ctx, request, reply, staff, { title: 'Webhooks', section: 'webhooks', body });
  });

  scope.post('/webhooks', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const created = await platform.webhooks.create(endpointInput(formOf(request.body)));
    return secretPage(ctx, request, reply, staff, created, created.secret, `Endpoint ${created.url} created`);
  });

  scope.get('/webhooks/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = idOf(request, 'Webhook');
    const [w, deliveries] = await Promise.all([platform.webhooks.get(id), platform.webhooks.deliveries(id, 100)]);
    const body = html`
      ${notice(param(request, 'done'))}
      <p><a href="/admin/webhooks">All endpoints</a> · <a href="/admin/notifications?kind=webhook">Webhook messages</a></p>
      <section class="card" aria-labelledby="state"><h2 id="state">${w.enabled ? 'Enabled' : 'Disabled'}</h2>
        ${w.enabled ? '' : html`<p>${w.disabledReason ?? ''}. Messages are not sent to it while it is disabled.</p>`}
        <div class="row">
          <form method="post" action="/admin/webhooks/${id}/enabled">${csrfInput(staff.csrf)}<input type="hidden" name="enabled" value="${w.enabled ? '0' : '1'}">
            <button type="submit"${w.enabled ? html` class="danger"` : ''}>${w.enabled ? 'Disable endpoint' : 'Enable endpoint'}</button></form>
          <form method="post" action="/admin/webhooks/${id}/rotate">${csrfInput(staff.csrf)}<button type="submit">Rotate secret</button></form>
          <form method="post" action="/admin/webhooks/${id}/delete">${csrfInput(staff.csrf)}<button type="submit" class="danger">Delete endpoint</button></form>
        </div>
        <p class="hint">Rotating replaces the secret at once; the new one is shown once. Deleting removes the endpoint with its messages and delivery log.</p>
      </section>
      <section class="card" aria-labelledby="edit"><h2 id="edit">Settings</h2>
        <form method="post" action="/admin/webhooks/${id}" class="stack">
          ${csrfInput(staff.csrf)}
          ${endpointFields('edit', w)}
          <p><button type="submit">Save endpoint</button></p>
        </form>
      </section>
      <section class="card" aria-labelledby="log"><h2 id="log">Delivery log (latest ${deliveries.length})</h2>
        ${deliveries.length === 0
          ? html`<p>Nothing was sent to this endpoint yet.</p>`
          : html`<div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Message</th><th scope="col">Result</th><th scope="col">Time</th></tr></thead>
          <tbody>${deliveries.map(
            (d) => html`<tr><td>${when(d.at)}</td><td>${d.eventType}</td><td>#${d.notificationId}</td>
              <td>${d.ok ? 'Delivered' : 'Failed'}${d.statusCode === null ? '' : ` (HTTP ${d.statusCode})`}${d.error ? `: ${d.error}` : ''}</td><td>${d.durationMs} ms</td></tr>`,
          )}</tbody></table></div>`}
      </section>`;
    return render(ctx, request, reply, staff, { title: `Webhook ${w.url}`, section: 'webhooks', body });
  });

  scope.post('/webhooks/:id', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const w = await platform.webhooks.update(idOf(request, 'Webhook'), endpointInput(formOf(request.body)));
    return redirectAfterPost(reply, `/admin/webhooks/${w.id}?done=Saved`);
  });

  scope.post('/webhooks/:id/enabled', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const w = await platform.webhooks.update(idOf(request, 'Webhook'), { enabled: field(formOf(request.body), 'enabled') === '1' });
    return redirectAfterPost(reply, `/admin/webhooks/${w.id}?done=${w.enabled ? 'Enabled' : 'Disabled'}`);
  });

  scope.post('/webhooks/:id/rotate', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const w = await platform.webhooks.update(idOf(request, 'Webhook'), { rotateSecret: true });
    return secretPage(ctx, request, reply, staff, w, w.secret!, 'The secret was rotated: the old one no longer signs anything');
  });

  scope.post('/webhooks/:id/delete', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = idOf(request, 'Webhook');
    const w = await platform.webhooks.get(id);
    await platform.webhooks.delete(id);
    return redirectAfterPost(reply, `/admin/webhooks?done=${encodeURIComponent(`Deleted ${w.url}`)}`);
  });
}
