import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER } from '../auth/hook.js';
import { ForbiddenError, UnauthorizedError } from '../auth/service.js';
import { csrfTokenFor, sameSecret } from '../auth/tokens.js';
import type { CartOwner } from './owner.js';
import { GUEST_CART_TTL_MS } from './owner.js';

export const CART_COOKIE = 'sk_cart';
export const CART_HEADER = 'x-cart-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The guest cart token of a request: the X-Cart-Token header, else the sk_cart cookie. A
 * cookie-carried token on a state-changing request must come with X-CSRF-Token (the value handed
 * out with the token): a page on another origin can make the browser send the cookie but can
 * neither read that value nor set a custom header without a CORS preflight.
 */
export function guestTokenOf(request: FastifyRequest): string | null {
  const header = request.headers[CART_HEADER];
  if (typeof header === 'string' && header !== '') {
    if (!TOKEN.test(header)) throw new UnauthorizedError('X-Cart-Token is not a cart token');
    return header;
  }
  const cookie = cookieValue(request.headers.cookie, CART_COOKIE);
  if (cookie === undefined || cookie === '' || !TOKEN.test(cookie)) return null;
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, csrfTokenFor(cookie))) {
      throw new ForbiddenError('A request that changes a cart identified by its cookie needs the X-CSRF-Token header');
    }
  }
  return cookie;
}

/** The signed-in customer (a session wins), else the guest cart of the token, else null. */
export function cartOwnerOf(request: FastifyRequest): CartOwner | null {
  if (request.auth) return request.auth.customerId;
  const token = guestTokenOf(request);
  return token === null ? null : { guestToken: token };
}

export function requireCartOwner(request: FastifyRequest): CartOwner {
  const owner = cartOwnerOf(request);
  if (owner === null) throw new UnauthorizedError('Sign in, or send the X-Cart-Token of a guest cart');
  return owner;
}

/** Hands a new guest cart's token to the client: header for API clients, HttpOnly cookie for browsers. */
export function sendCartToken(reply: FastifyReply, token: string, secure: boolean): void {
  reply.header('x-cart-token', token);
  reply.header('x-csrf-token', csrfTokenFor(token));
  reply.header(
    'set-cookie',
    `${CART_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(GUEST_CART_TTL_MS / 1000)}${secure ? '; Secure' : ''}`,
  );
  reply.header('cache-control', 'private, no-store');
}

export function clearCartCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${CART_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

/** Route option: refuse a request without a session or cart token (401) before its input is read. */
export const cartOwnerRequired = {
  onRequest: async (request: FastifyRequest): Promise<void> => {
    requireCartOwner(request);
  },
};
