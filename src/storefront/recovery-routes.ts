import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RecoveryService } from '../auth/recovery.js';
import { RateLimitedError } from '../auth/service.js';
import { isStorekeeperError } from '../errors.js';
import { field, formOf } from '../web/form.js';
import { redirectAfterPost, sendPage } from '../web/page.js';
import { messagesOf } from './account-routes.js';
import { pageContext, type Storefront } from './context.js';
import { page } from './handler.js';
import { confirmEmailPage, forgotPasswordPage, resetPasswordPage } from './recovery-pages.js';
import { t } from './strings.js';

const PUBLIC = { config: { auth: 'public' as const }, schema: { hide: true } };

function tokenParam(request: FastifyRequest): string {
  const token = (request.query as Record<string, unknown>).token;
  return typeof token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : '';
}

/**
 * Forgotten password and email confirmation, the pages the emails link to (SHOP_URL or
 * SHOP_PUBLIC_URL + `/reset-password?token=…`, `/confirm-email?token=…`). Rate limited per IP like
 * signing in; asking for a reset answers the same whether or not the address has an account.
 * Confirming is a POST (a button) so that a mail scanner opening the link confirms nothing.
 */
export function recoveryRoutes(scope: FastifyInstance, shop: Storefront): void {
  const { platform, sessions, auth } = shop;
  const recovery = new RecoveryService(platform.db, auth.scryptCost);
  const limiter = scope.settings.authLimiter;

  async function checked(request: FastifyRequest) {
    const session = await sessions.read(request);
    sessions.verify(request, session);
    const wait = limiter.hit(request.ip);
    if (wait > 0) throw new RateLimitedError('Too many attempts from this address; try again later', wait);
    return session;
  }

  scope.get('/forgot-password', PUBLIC, page(shop, async (ctx, request) => forgotPasswordPage(ctx, { sent: (request.query as Record<string, unknown>).sent === '1' })));

  scope.post('/forgot-password', PUBLIC, async (request, reply) => {
    const session = await checked(request);
    const email = field(formOf(request.body), 'email').trim();
    try {
      await recovery.requestPasswordReset(email);
    } catch (e) {
      // Only a malformed address is refused; it reveals nothing about accounts.
      if (!isStorekeeperError(e) || e.code !== 'validation_failed') throw e;
      const ctx = await pageContext(shop, request, reply, session);
      return sendPage(request, reply, forgotPasswordPage(ctx, { email, errors: [t.invalidEmail] }), { status: 400 });
    }
    return redirectAfterPost(reply, '/forgot-password?sent=1');
  });

  scope.get('/reset-password', PUBLIC, page(shop, async (ctx, request) => resetPasswordPage(ctx, tokenParam(request))));

  scope.post('/reset-password', PUBLIC, async (request, reply) => {
    const session = await checked(request);
    const form = formOf(request.body);
    const token = field(form, 'token').trim();
    let customerId: number;
    try {
      ({ customerId } = await recovery.confirmPasswordReset(token, field(form, 'password')));
    } catch (e) {
      if (!isStorekeeperError(e) || !['validation_failed', 'token_invalid'].includes(e.code)) throw e;
      const ctx = await pageContext(shop, request, reply, session);
      const errors = e.code === 'token_invalid' ? [t.codeInvalid] : messagesOf(e);
      return sendPage(request, reply, resetPasswordPage(ctx, token.slice(0, 100), errors), { status: e.statusCode });
    }
    // Every session of the account ended, this browser's too: sign in with the new password.
    if (session?.customerId === customerId) await sessions.signOut(request, reply, null);
    return redirectAfterPost(reply, '/signin?reset=1');
  });

  scope.get('/confirm-email', PUBLIC, page(shop, async (ctx, request) => confirmEmailPage(ctx, { token: tokenParam(request), confirmed: (request.query as Record<string, unknown>).confirmed === '1' })));

  scope.post('/confirm-email', PUBLIC, async (request, reply) => {
    const session = await checked(request);
    const token = field(formOf(request.body), 'token').trim();
    try {
      await recovery.confirmEmail(token);
    } catch (e) {
      if (!isStorekeeperError(e) || e.code !== 'token_invalid') throw e;
      const ctx = await pageContext(shop, request, reply, session);
      return sendPage(request, reply, confirmEmailPage(ctx, { token: token.slice(0, 100), errors: [t.codeInvalid] }), { status: e.statusCode });
    }
    return redirectAfterPost(reply, '/confirm-email?confirmed=1');
  });
}
