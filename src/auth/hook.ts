import type { FastifyRequest } from 'fastify';
import type { App, AuthLevel, RequestAuth } from '../http/types.js';
import { ForbiddenError, STAFF_ROLES, UnauthorizedError, type AuthService } from './service.js';
import { csrfTokenFor, sameSecret } from './tokens.js';

export const SESSION_COOKIE = 'sk_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authLevelOf(request: FastifyRequest): AuthLevel {
  const declared = request.routeOptions.config?.auth;
  if (declared) return declared;
  return request.routeOptions.url?.startsWith('/api/') ? 'customer' : 'public';
}

function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Authenticates in onRequest, before the body is read, so a refused caller costs no parsing:
 * `Authorization: Bearer <token>` first, else the session cookie. A cookie-authenticated request
 * that changes state must also carry `X-CSRF-Token` (the value returned at login): a page on
 * another origin can make the browser send the cookie but cannot know that value.
 */
export function installAuthentication(app: App, auth: AuthService): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    const level = authLevelOf(request);
    if (level === 'public') return;
    const header = request.headers.authorization;
    let token: string | undefined;
    let via: RequestAuth['via'] = 'bearer';
    if (header !== undefined) {
      const match = /^Bearer\s+([A-Za-z0-9_-]{20,100})\s*$/i.exec(header);
      if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
      token = match[1]!;
    } else {
      token = cookieToken(request.headers.cookie);
      via = 'cookie';
    }
    if (token === undefined) {
      if (level === 'optional') return;
      throw new UnauthorizedError();
    }
    const session = await auth.authenticate(token);
    if (!session) throw new UnauthorizedError('The session is invalid or has expired');
    if (via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, csrfTokenFor(token))) {
        throw new ForbiddenError('A cookie-authenticated request that changes state needs the X-CSRF-Token header');
      }
    }
    if (level === 'admin' && session.role !== 'admin') throw new ForbiddenError('This needs an administrator');
    if (level === 'staff' && !STAFF_ROLES.includes(session.role)) throw new ForbiddenError('This needs a staff account');
    request.auth = { ...session, via };
    // A signed-in caller's responses are theirs alone: no shared or browser cache keeps them.
    reply.header('cache-control', 'private, no-store');
  });
}

/** The signed-in caller of a route that requires one (the hook has already refused anyone else). */
export function caller(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new UnauthorizedError();
  return request.auth;
}
