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
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'The shop API: JSON, camelCase. Errors are `{ "error": { "code", "message", "details"? } }`. ' +
          'Authenticate with `Authorization: Bearer <token>` (from register or login); cookie sessions need `X-CSRF-Token` on writes. See docs/API.md.',
      },
      // Relative: the document is right wherever the server (or the app it is mounted in) answers.
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'sk_session' },
        },
      },
    },
    transformObject: (document) => optionalBodies(('openapiObject' in document ? document.openapiObject : document.swaggerObject) as OpenApiLike) as object,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}

interface OpenApiLike {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> } }>>;
}

/**
 * An empty body counts as no body (see the JSON parser in server.ts), so a JSON body whose
 * fields are all optional may be left out: say so, or generated clients demand one.
 */
function optionalBodies<T extends OpenApiLike>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      const json = op.requestBody?.content?.['application/json'];
      if (json && !json.schema?.required?.length) op.requestBody!.required = false;
    }
  }
  return doc;
}

const VERBS: Record<string, string> = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', OPTIONS: 'options' };
const pascal = (word: string) => word.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/**
 * The operationId of a route that declares none: the HTTP verb, then each path segment after
 * `/api` in PascalCase, a parameter as `By<Name>`:
 * `GET /api/products/:id/reviews` → `getProductsByIdReviews`, `POST /api/cart/items` → `postCartItems`.
 * Derived from what makes a route unique (method + path), so ids are stable and never collide
 * unless two paths differ only in punctuation (test/http/openapi.test.ts catches that).
 */
export function operationIdFor(method: string, path: string): string {
  const segments = path.replace(/^\/api(?=\/|$)/, '').split('/').filter(Boolean);
  const rest = segments.map((s) => (s.startsWith(':') ? `By${pascal(s.slice(1))}` : pascal(s))).join('');
  return `${VERBS[method] ?? method.toLowerCase()}${rest}`;
}
