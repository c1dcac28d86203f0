import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieOptions {
  path: string;
  sameSite: 'Strict' | 'Lax';
  /** Omit for a cookie that ends with the browser session; 0 deletes it. */
  maxAgeSeconds?: number;
  /** Default: Secure when the request came over HTTPS (directly or via a trusted proxy) or COOKIE_SECURE=true. */
  secure?: boolean;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Appends an HttpOnly cookie (pages never need script access to a cookie). */
export function setCookie(request: FastifyRequest, reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const secure = options.secure ?? (request.protocol === 'https' || process.env.COOKIE_SECURE === 'true');
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', `SameSite=${options.sameSite}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (secure) parts.push('Secure');
  const prior = reply.getHeader('set-cookie');
  const list = prior === undefined ? [] : Array.isArray(prior) ? prior.map(String) : [String(prior)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}
