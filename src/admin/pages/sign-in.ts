import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError, STAFF_ROLES, UnauthorizedError } from '../../auth/service.js';
import { hashToken } from '../../auth/tokens.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost, sendPage } from '../../web/page.js';
import { PAGE, param, type AdminContext } from '../context.js';
import { layout } from '../layout.js';

/** Only a path inside the panel: `next` must never send a signed-in admin to another site. */
function safeNext(next: string): string {
  return /^\/admin(\/[\w\-./?=&%]*)?$/.test(next) && !next.startsWith('//') ? next : '/admin';
}

export function signInPages(scope: FastifyInstance, ctx: AdminContext): void {
  const form = (request: FastifyRequest, reply: FastifyReply, options: { status?: number; error?: string; email?: string; next: string }) => {
    const csrf = ctx.sessions.csrfToken(request, reply, null);
    const body = html`
      ${options.error ? html`<p class="error" role="alert" id="signin-error">${options.error}</p>` : ''}
      <form method="post" action="/admin/sign-in" class="card narrow">
        ${csrfInput(csrf)}
        <input type="hidden" name="next" value="${options.next}">
        <p><label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}"${options.error ? html` aria-describedby="signin-error"` : ''}></p>
        <p><label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required></p>
        <p><button type="submit">Sign in</button></p>
      </form>`;
    return sendPage(request, reply, layout(ctx.assets, { title: 'Sign in', body }), { status: options.status });
  };

  scope.get('/sign-in', PAGE, async (request, reply) => form(request, reply, { next: safeNext(param(request, 'next')) }));

  scope.post('/sign-in', PAGE, async (request, reply) => {
    ctx.sessions.verify(request, null);
    const body = formOf(request.body);
    const email = field(body, 'email').trim();
    const next = safeNext(field(body, 'next'));
    const wait = scope.settings.authLimiter.hit(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return form(request, reply, { status: 429, error: 'Too many attempts from this address; try again in a minute.', email, next });
    }
    let signedIn;
    try {
      signedIn = await ctx.auth.login(email, field(body, 'password'));
    } catch (e) {
      if (e instanceof UnauthorizedError) return form(request, reply, { status: 401, error: 'Wrong email or password.', email, next });
      if (e instanceof RateLimitedError) {
        reply.header('retry-after', String(e.retryAfterSeconds));
        return form(request, reply, { status: 429, error: 'Too many failed sign-ins for this account; try again later.', email, next });
      }
      if ((e as { code?: string }).code === 'validation_failed') return form(request, reply, { status: 400, error: 'Enter a valid email address.', email, next });
      throw e;
    }
    if (!STAFF_ROLES.includes(signedIn.role)) {
      // A customer account gets no admin session at all.
      await ctx.auth.logout(hashToken(signedIn.token));
      const page = layout(ctx.assets, {
        title: 'Not allowed',
        body: html`<p>This account is a customer account; the admin panel is for the shop’s staff.</p><p><a href="/">Go to the shop</a></p>`,
      });
      return sendPage(request, reply, page, { status: 403 });
    }
    ctx.sessions.signIn(request, reply, signedIn);
    return redirectAfterPost(reply, next);
  });

  scope.post('/sign-out', PAGE, async (request, reply) => {
    const session = await ctx.sessions.read(request);
    ctx.sessions.verify(request, session);
    await ctx.sessions.signOut(request, reply, session);
    return redirectAfterPost(reply, '/admin/sign-in');
  });
}
