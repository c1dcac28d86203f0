import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './paths.js';

export type { components, operations, paths };

export interface StorekeeperClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the shop answers, with its mount prefix if any: `https://shop.example` or `http://localhost:3000/shop`. */
  baseUrl: string;
  /** A session token (from register or login) to start with. */
  token?: string;
  /** A guest cart token (the `X-Cart-Token` a first guest add answered with) to start with. */
  cartToken?: string;
}

/**
 * openapi-fetch's client over the shop's own OpenAPI types, plus the credentials it carries:
 * `token` is sent as `Authorization: Bearer`, `cartToken` as `X-Cart-Token`.
 */
export interface StorekeeperClient extends Client<paths> {
  /** The session token; set by a successful register or login, cleared by logout. */
  token: string | undefined;
  /** The guest cart token; set when the server answers with `X-Cart-Token`, cleared once a sign-in merges the cart. */
  cartToken: string | undefined;
}

const SIGN_IN = /\/api\/auth\/(login|register)$/;

/**
 * `createClient({ baseUrl, token? })`, then `client.GET('/api/products', { params: { query: { q: 'mug' } } })`:
 * paths, parameters, bodies and answers are typed from the server's OpenAPI document, generated at build time.
 */
export function createClient(options: StorekeeperClientOptions): StorekeeperClient {
  const { token, cartToken, baseUrl, ...rest } = options;
  const client = createFetchClient<paths>({ ...rest, baseUrl: baseUrl.replace(/\/+$/, '') }) as StorekeeperClient;
  client.token = token;
  client.cartToken = cartToken;
  client.use({
    onRequest({ request }) {
      if (client.token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${client.token}`);
      if (client.cartToken && !request.headers.has('x-cart-token')) request.headers.set('x-cart-token', client.cartToken);
      return request;
    },
    async onResponse({ request, response, schemaPath }) {
      const issued = response.headers.get('x-cart-token');
      if (issued) client.cartToken = issued;
      if (!response.ok) return response;
      if (request.method === 'POST' && SIGN_IN.test(schemaPath)) {
        const body = (await response.clone().json()) as { token?: unknown };
        if (typeof body.token === 'string') {
          client.token = body.token;
          // Signing in merges the guest cart into the account's: the cart token is spent.
          client.cartToken = undefined;
        }
      } else if (request.method === 'POST' && schemaPath.endsWith('/api/auth/logout')) {
        client.token = undefined;
      }
      return response;
    },
  });
  return client;
}
