import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from './types.js';

/**
 * OpenAPI 3.1 generated from the route schemas, at GET /openapi.json, and a browsable reference
 * at /docs. Must be registered before the routes so it sees each one.
 */
export async function installOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Storekeeper API',
        version: '1.0.0',
        description:
          'The shop API: JSON, camelCase. Errors are `{ "error": { "code", "message", "details"? } }`. ' +
          'Authenticate with `Authorization: Bearer <token>` (from register or login); cookie sessions need `X-CSRF-Token` on writes. See docs/API.md.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'sk_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
