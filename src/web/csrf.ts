import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../auth/service.js';
import { csrfTokenFor, sameSecret } from '../auth/tokens.js';
import { html, type SafeHtml } from './html.js';
import { readCookie, setCookie } from './cookies.js';
import { field, formOf } from './form.js';

/** The hidden field every page form carries. */
export const CSRF_FIELD = '_csrf';
const ANON_COOKIE = 'sk_csrf';

/**
 * CSRF for HTML forms. A signed-in browser's token is derived from its session token (as for the
 * API's X-CSRF-Token); a browser without a session gets a random per-browser cookie and must echo
 * it in the form (double submit). Either way a page on another origin cannot know the value.
 * The Origin header, when a browser sends one, must also be ours (Sec-Fetch-Site as well).
 */
export function csrfTokenOf(request: FastifyRequest, reply: FastifyReply, sessionToken: string | null, cookiePath: string): string {
  if (sessionToken) return csrfTokenFor(sessionToken);
  const existing = readCookie(request, ANON_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const fresh = randomBytes(32).toString('base64url');
  setCookie(request, reply, ANON_COOKIE, fresh, { path: cookiePath, sameSite: 'Lax', maxAgeSeconds: 30 * 24 * 3600 });
  return fresh;
}

export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** Refuses a state-changing page request whose form lacks the right token or comes from elsewhere. */
export function verifyCsrf(request: FastifyRequest, sessionToken: string | null): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site') throw new ForbiddenError('This form was sent from another site');
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.headers.host) throw new ForbiddenError('This form was sent from another origin');
  }
  const sent = field(formOf(request.body), CSRF_FIELD);
  const expected = sessionToken ? csrfTokenFor(sessionToken) : readCookie(request, ANON_COOKIE);
  if (!expected || !sent || !sameSecret(sent, expected)) {
    throw new ForbiddenError('The form has expired or did not come from this shop; reload the page and try again');
  }
}
