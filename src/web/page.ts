import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from './html.js';
import { mountOf } from './mount.js';

export interface PageOptions {
  status?: number;
  /** Default `no-store`: pages show live prices, stock and personal data. */
  cacheControl?: string;
  /** Extra CSP sources, e.g. Stripe's `https://js.stripe.com` when Stripe is configured. */
  scriptSources?: readonly string[];
  frameSources?: readonly string[];
  connectSources?: readonly string[];
}

/**
 * A strict Content-Security-Policy: no inline script or style at all, only our own files (plus
 * what a page names explicitly), no framing, forms only to ourselves.
 */
export function contentSecurityPolicy(options: PageOptions = {}): string {
  const list = (extra: readonly string[] | undefined) => ["'self'", ...(extra ?? [])].join(' ');
  return [
    "default-src 'self'",
    `script-src ${list(options.scriptSources)}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${list(options.connectSources)}`,
    `frame-src ${options.frameSources?.length ? options.frameSources.join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * Sends a rendered page with the security headers; gzip when the browser accepts it. Under a mount
 * prefix its root-relative URLs are moved under the prefix first (src/web/mount.ts).
 */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: SafeHtml, options: PageOptions = {}): FastifyReply {
  reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', contentSecurityPolicy(options))
    .header('cache-control', options.cacheControl ?? 'no-store')
    .header('referrer-policy', 'strict-origin-when-cross-origin')
    .header('x-frame-options', 'DENY')
    .header('vary', 'accept-encoding, cookie');
  const body = Buffer.from(mountOf(request).html(page.value));
  if (body.length > 1024 && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(gzipSync(body, { level: 6 }));
  }
  return reply.send(body);
}

/** POST → redirect → GET: a form never leaves a page that a reload would submit again. */
export function redirectAfterPost(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).header('cache-control', 'no-store').send();
}
