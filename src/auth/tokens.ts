import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A session token: 32 random bytes, base64url. Only its SHA-256 is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The CSRF token of a session, derived from the session token. A page on another origin can
 * neither read the HttpOnly cookie nor this value, so requiring it in a header defeats CSRF;
 * deriving it means nothing more is stored.
 */
export function csrfTokenFor(token: string): string {
  return createHash('sha256').update('csrf:').update(token).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
