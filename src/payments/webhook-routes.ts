import { Type } from '@fastify/type-provider-typebox';
import type { Routes } from '../http/types.js';

const WebhookReply = Type.Object({ received: Type.Boolean(), outcome: Type.String() });

/**
 * Provider webhooks. The signature covers the exact bytes sent, so these routes take the raw
 * body: a buffer parser registered only inside this encapsulated scope (the rest of the API keeps
 * its JSON parser). Verification runs before the body is parsed or the database is touched.
 */
export const webhookRoutes: Routes = (app, { platform }) => {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_request, body, done) => done(null, body));
    for (const provider of ['stripe', 'test'] as const) {
      scope.post(
        `/api/payments/${provider}/webhook`,
        {
          config: { auth: 'public' },
          schema: {
            tags: ['payments'],
            summary: `Webhook of the ${provider} provider`,
            description: 'Signed by the provider; a bad signature, an old timestamp or a wrong secret is a 400 and nothing is written. A repeated event changes nothing.',
            response: { 200: WebhookReply },
          },
        },
        async (request) => {
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const result = await platform.payments.handleWebhook(provider, raw, request.headers);
          return { received: true, outcome: result.outcome };
        },
      );
    }
  });
};
