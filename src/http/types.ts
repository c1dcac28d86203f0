import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuthService, Role } from '../auth/service.js';
import type { EcommercePlatform } from '../platform.js';

/** The Fastify instance with TypeBox typing: route handlers see their validated input typed. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What every route file receives. */
export interface RouteContext {
  platform: EcommercePlatform;
  auth: AuthService;
}

/** A route file: `export const routes: Routes = (app, ctx) => { app.get(…) }`, listed in server.ts. */
export type Routes = (app: App, ctx: RouteContext) => void;

/**
 * Who may call a route, declared per route as `config: { auth: … }`.
 * public: anyone · optional: anyone, the caller is identified when credentials are sent ·
 * customer: any signed-in account · staff: staff or admins (order desk, customers, stock) ·
 * admin: admins only.
 * Routes under /api without a declaration are 'customer' (closed by default).
 */
export type AuthLevel = 'public' | 'optional' | 'customer' | 'staff' | 'admin';

export interface RequestAuth {
  customerId: number;
  role: Role;
  tokenHash: string;
  via: 'bearer' | 'cookie';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}
