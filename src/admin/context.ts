import type { FastifyReply, FastifyRequest } from 'fastify';
import { STAFF_ROLES, type AuthService } from '../auth/service.js';
import type { EcommercePlatform } from '../platform.js';
import { DashboardReport } from '../reports/dashboard.js';
import type { AssetRegistry } from '../web/assets.js';
import { html, type HtmlValue } from '../web/html.js';
import { mountOf } from '../web/mount.js';
import { sendPage } from '../web/page.js';
import type { WebSession, WebSessions } from '../web/session.js';
import { layout } from './layout.js';
import { AdminQueries } from './queries.js';

export interface AdminContext {
  platform: EcommercePlatform;
  auth: AuthService;
  sessions: WebSessions;
  assets: AssetRegistry;
  queries: AdminQueries;
  dashboard: DashboardReport;
}

/** A signed-in staff member on a page: their session, email and the CSRF token for the page's forms. */
export interface Staff extends WebSession {
  email: string;
  csrf: string;
}

export type Need = 'staff' | 'admin';

/** Route options of every admin page: pages authenticate themselves (see WebSessions), hidden from OpenAPI. */
export const PAGE = { config: { auth: 'public' as const }, schema: { hide: true } };

/**
 * The staff member behind a page request, or null after answering: a visitor without a session is
 * sent to sign in, a customer (or staff on an admin-only page) gets the 403 page.
 */
export async function guard(
  ctx: AdminContext,
  request: FastifyRequest,
  reply: FastifyReply,
  need: Need = 'staff',
  options: { csrfChecked?: boolean } = {},
): Promise<Staff | null> {
  const session = await ctx.sessions.read(request);
  if (!session) {
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(mountOf(request).localUrl(request))}` : '';
    reply.code(303).header('location', `/admin/sign-in${next}`).header('cache-control', 'no-store').send();
    return null;
  }
  const customer = await ctx.platform.getCustomer(session.customerId);
  const csrf = ctx.sessions.csrfToken(request, reply, session);
  const staff: Staff = { ...session, email: customer?.email ?? '', csrf };
  if (!STAFF_ROLES.includes(session.role) || (need === 'admin' && session.role !== 'admin')) {
    const message =
      session.role === 'customer' ? 'This account is a customer account; the admin panel is for the shop’s staff.' : 'This page needs an administrator.';
    sendPage(
      request,
      reply,
      layout(ctx.assets, {
        title: 'Not allowed',
        user: STAFF_ROLES.includes(session.role) ? { email: staff.email, role: session.role } : null,
        csrf,
        body: html`<p>${message}</p>${session.role === 'customer' ? signOutForm(csrf) : html`<p><a href="/admin">Back to the dashboard</a></p>`}`,
      }),
      { status: 403 },
    );
    return null;
  }
  // A multipart form's token is read from its fields by the route (options.csrfChecked), after the parts arrive.
  if (request.method !== 'GET' && request.method !== 'HEAD' && !options.csrfChecked) ctx.sessions.verify(request, session);
  return staff;
}

function signOutForm(csrf: string) {
  return html`<form method="post" action="/admin/sign-out"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Sign out</button></form>`;
}

/** Renders a page in the admin shell. */
export function render(
  ctx: AdminContext,
  request: FastifyRequest,
  reply: FastifyReply,
  staff: Staff,
  page: { title: string; section: string; body: HtmlValue; scripts?: readonly string[]; styles?: readonly string[]; status?: number },
): FastifyReply {
  return sendPage(request, reply, layout(ctx.assets, { ...page, user: { email: staff.email, role: staff.role }, csrf: staff.csrf }), { status: page.status });
}

/** One query-string value as text ('' when absent). */
export function param(request: FastifyRequest, name: string): string {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
}

/** An optional positive id from the query string (a keyset position); null when absent or malformed. */
export function idParam(request: FastifyRequest, name: string): number | null {
  const text = param(request, name);
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

/** The :id of a page URL (Fastify matched it; a non-number is a 404 page). */
export function pathId(request: FastifyRequest, name = 'id'): number {
  const raw = (request.params as Record<string, string>)[name] ?? '';
  return /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : 0;
}
