import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CustomerSchema, Nullable, StringEnum } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { caller, SESSION_COOKIE } from './hook.js';
import { ForbiddenError, MAX_PASSWORD, MIN_PASSWORD, RateLimitedError, ROLES, type SignedIn } from './service.js';
import { clientKey } from './rate-limit.js';
import { csrfTokenFor } from './tokens.js';
import { clearCartCookie, guestTokenOf } from '../cart/http.js';

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: MIN_PASSWORD, maxLength: MAX_PASSWORD });

export const SessionSchema = Type.Object({
  customer: CustomerSchema,
  role: StringEnum(ROLES),
  token: Type.String({ description: 'Send as `Authorization: Bearer <token>`' }),
  csrfToken: Type.String({ description: 'Send as `X-CSRF-Token` on writes authenticated by the session cookie' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

/**
 * Accounts: register, login, logout. Login and register are rate limited per client IP before
 * the body is even read; a 429 carries Retry-After.
 */
export const authRoutes: Routes = (app, { auth, platform }) => {
  const limitPerIp = async (request: FastifyRequest) => {
    const wait = app.settings.authLimiter.hit(clientKey(request.ip));
    if (wait > 0) throw new RateLimitedError('Too many attempts from this address; try again later', wait);
  };

  const signedIn = (reply: FastifyReply, s: SignedIn) => {
    const maxAge = Math.floor(auth.sessionTtlMs / 1000);
    const secure = app.settings.cookieSecure ? '; Secure' : '';
    reply.header('set-cookie', `${SESSION_COOKIE}=${s.token}; Path=${app.settings.apiPath}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
    reply.header('cache-control', 'no-store');
    return { customer: s.customer, role: s.role, token: s.token, csrfToken: csrfTokenFor(s.token), expiresAt: s.expiresAt };
  };

  /**
   * A guest cart sent with login or registration joins the account's cart. A cookie-carried cart
   * without its CSRF token is left alone (the sign-in itself still succeeds).
   */
  const mergeGuestCart = async (request: FastifyRequest, reply: FastifyReply, customerId: number) => {
    let token: string | null;
    try {
      token = guestTokenOf(request);
    } catch (e) {
      if (e instanceof ForbiddenError) return;
      throw e;
    }
    if (token === null) return;
    await platform.mergeGuestCart(token, customerId);
    clearCartCookie(reply);
  };

  app.post(
    '/api/auth/register',
    {
      config: { auth: 'public' },
      onRequest: limitPerIp,
      schema: {
        tags: ['accounts'],
        summary: 'Create a customer account and sign in (a guest cart sent along joins the account)',
        body: Type.Object({
          email: Email,
          name: Type.String({ minLength: 1, maxLength: 200 }),
          password: Password,
          address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
          phone: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
        }),
        response: { 201: SessionSchema },
      },
    },
    async (request, reply) => {
      const session = await auth.register(request.body);
      await mergeGuestCart(request, reply, session.customer.id);
      return reply.code(201).send(signedIn(reply, session));
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { auth: 'public' },
      onRequest: limitPerIp,
      schema: {
        tags: ['accounts'],
        summary: 'Sign in; also sets an HttpOnly session cookie (a guest cart sent along joins the account)',
        description: `After 10 failed attempts in 15 minutes the account is refused with 429 for a while, whatever the client.`,
        body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD }) }),
        response: { 200: SessionSchema },
      },
    },
    async (request, reply) => {
      const session = await auth.login(request.body.email, request.body.password);
      await mergeGuestCart(request, reply, session.customer.id);
      return signedIn(reply, session);
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['accounts'], summary: 'Revoke the current session', response: { 204: Type.Null() } } },
    async (request, reply) => {
      await auth.logout(caller(request).tokenHash);
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${app.settings.apiPath}; HttpOnly; SameSite=Strict; Max-Age=0`);
      return reply.code(204).send(null);
    },
  );
};
