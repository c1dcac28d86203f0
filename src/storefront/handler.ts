import type { FastifyReply, FastifyRequest } from 'fastify';
import { SafeHtml } from '../web/html.js';
import { sendPage } from '../web/page.js';
import { pageContext, type PageContext, type Storefront } from './context.js';
import { errorPage } from './error-pages.js';

export type PageHandler = (ctx: PageContext, request: FastifyRequest, reply: FastifyReply) => Promise<SafeHtml | FastifyReply>;

/** Renders a page from a fresh context; a handler may also answer itself (a redirect). */
export function page(shop: Storefront, handler: PageHandler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await pageContext(shop, request, reply);
    const out = await handler(ctx, request, reply);
    return out instanceof SafeHtml ? sendPage(request, reply, out) : out;
  };
}

export async function sendError(shop: Storefront, request: FastifyRequest, reply: FastifyReply, status: number, message?: string): Promise<FastifyReply> {
  // The shopper's session is not needed to say "not found"; an unreadable one must not fail the error page too.
  let ctx: PageContext;
  try {
    ctx = await pageContext(shop, request, reply);
  } catch {
    ctx = await pageContext(shop, request, reply, null);
  }
  return sendPage(request, reply, errorPage(ctx, status, message), { status });
}

