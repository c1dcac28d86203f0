import { Type } from '@fastify/type-provider-typebox';
import { Id, IdParams, Nullable, StringEnum, Timestamp } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { NotFoundError } from '../errors.js';
import { EVENT_TYPES } from './events.js';
import { listMailbox, readMailboxMessage, resolveMailSettings } from './mail.js';
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from './service.js';

export const NotificationSchema = Type.Object(
  {
    id: Id,
    eventId: Id,
    eventType: Type.String(),
    kind: StringEnum(NOTIFICATION_KINDS),
    recipient: Nullable(Type.String({ description: 'The email address (kind email)' })),
    endpointId: Nullable(Type.Integer({ description: 'The webhook endpoint (kind webhook)' })),
    template: Nullable(Type.String()),
    status: StringEnum(NOTIFICATION_STATUSES, { description: 'pending: not tried yet · failed: retried at nextAttemptAt · sent · dead: given up' }),
    attempts: Type.Integer(),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(Timestamp),
    sentAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: true },
);

const EventName = Type.Unsafe<string>({ type: 'string', enum: [...EVENT_TYPES, '*'], description: "An event type, or '*' for all" });

export const WebhookSchema = Type.Object(
  {
    id: Id,
    url: Type.String({ format: 'uri' }),
    events: Type.Array(Type.String()),
    description: Nullable(Type.String()),
    enabled: Type.Boolean(),
    disabledReason: Nullable(Type.String({ description: 'Why it is disabled (an administrator, a 410 from the receiver)' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    secret: Type.Optional(Type.String({ description: 'whsec_…: shown only at creation and on rotation' })),
  },
  { additionalProperties: true },
);

const DeliverySchema = Type.Object({
  notificationId: Id,
  eventId: Id,
  eventType: Type.String(),
  at: Timestamp,
  ok: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
});

const MailSchema = Type.Object({ id: Id, to: Type.String(), subject: Type.String(), date: Type.String() });

/** The outbox as admins see it, the manual retry, webhook endpoints and the development mailbox. */
export const notificationRoutes: Routes = (app, { platform }) => {
  const admin = { auth: 'admin' as const };
  const tags = ['notifications', 'admin'];

  app.get(
    '/api/admin/notifications',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Outbox messages (emails and webhook deliveries), newest first',
        querystring: Type.Object({
          status: Type.Optional(StringEnum(NOTIFICATION_STATUSES)),
          kind: Type.Optional(StringEnum(NOTIFICATION_KINDS)),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          beforeId: Type.Optional(Id),
        }),
        response: { 200: Type.Object({ notifications: Type.Array(NotificationSchema) }) },
      },
    },
    async (request) => ({ notifications: await platform.notifications.list(request.query) }),
  );

  app.post(
    '/api/admin/notifications/:id/retry',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Send a failed or dead message again (a fresh count of attempts); 409 when already sent',
        params: IdParams,
        response: { 200: Type.Object({ notification: NotificationSchema }) },
      },
    },
    async (request) => {
      const notification = await platform.notifications.retry(request.params.id);
      platform.runner?.nudge();
      return { notification };
    },
  );

  app.post(
    '/api/admin/webhooks',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Register a webhook endpoint; the signing secret is in the answer only',
        body: Type.Object({
          url: Type.String({ minLength: 1, maxLength: 2000 }),
          events: Type.Array(EventName, { minItems: 1, maxItems: 50 }),
          description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
        }),
        response: { 201: Type.Object({ webhook: WebhookSchema }) },
      },
    },
    async (request, reply) => reply.code(201).send({ webhook: await platform.webhooks.create(request.body) }),
  );

  app.get(
    '/api/admin/webhooks',
    { config: admin, schema: { tags, summary: 'Webhook endpoints (without secrets)', response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) } } },
    async () => ({ webhooks: await platform.webhooks.list() }),
  );

  app.get(
    '/api/admin/webhooks/:id',
    { config: admin, schema: { tags, summary: 'One webhook endpoint (without its secret)', params: IdParams, response: { 200: Type.Object({ webhook: WebhookSchema }) } } },
    async (request) => ({ webhook: await platform.webhooks.get(request.params.id) }),
  );

  app.patch(
    '/api/admin/webhooks/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change an endpoint; `rotateSecret: true` returns a new secret once',
        params: IdParams,
        body: Type.Object(
          {
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            events: Type.Optional(Type.Array(EventName, { minItems: 1, maxItems: 50 })),
            description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
            enabled: Type.Optional(Type.Boolean()),
            rotateSecret: Type.Optional(Type.Boolean()),
          },
          { minProperties: 1 },
        ),
        response: { 200: Type.Object({ webhook: WebhookSchema }) },
      },
    },
    async (request) => ({ webhook: await platform.webhooks.update(request.params.id, request.body) }),
  );

  app.delete(
    '/api/admin/webhooks/:id',
    { config: admin, schema: { tags, summary: 'Remove an endpoint with its pending messages and history', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await platform.webhooks.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/admin/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Every delivery attempt to the endpoint, newest first',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
        response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }) },
      },
    },
    async (request) => ({ deliveries: await platform.webhooks.deliveries(request.params.id, request.query.limit) }),
  );

  const mailboxDir = () => platform.runner?.mailboxDir ?? resolveMailSettings(platform.target).mailboxDir;

  app.get(
    '/api/admin/mailbox',
    {
      config: admin,
      schema: {
        tags,
        summary: 'The development mailbox (without SMTP_URL every email lands here), newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
        response: { 200: Type.Object({ messages: Type.Array(MailSchema) }) },
      },
    },
    async (request) => ({ messages: await listMailbox(mailboxDir(), request.query.limit) }),
  );

  app.get(
    '/api/admin/mailbox/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'One message of the development mailbox as it was sent (message/rfc822)',
        params: IdParams,
        response: { 200: Type.String({ contentMediaType: 'message/rfc822' }) },
      },
    },
    async (request, reply) => {
      const raw = await readMailboxMessage(mailboxDir(), request.params.id);
      if (raw === null) throw new NotFoundError('Message', request.params.id);
      return reply.type('message/rfc822').send(raw);
    },
  );
};
