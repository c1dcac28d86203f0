import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Timestamp } from '../http/schemas.js';
import type { Routes } from '../http/types.js';
import { RecoveryService } from './recovery.js';
import { MAX_PASSWORD, MIN_PASSWORD, RateLimitedError } from './service.js';

const Token = Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: 'The code from the email' });
const ACCEPTED = { status: 'accepted', message: 'If an account uses this address, an email with a reset code is on its way.' } as const;

/** Password reset and email confirmation: public routes, rate limited per IP like login. */
export const recoveryRoutes: Routes = (app, { platform, auth }) => {
    const recovery = new RecoveryService(platform.db, auth.scryptCost);
    const limitPerIp = async (request: FastifyRequest) => {
      const wait = app.settings.authLimiter.hit(request.ip);
      if (wait > 0) throw new RateLimitedError('Too many attempts from this address; try again later', wait);
    };

    app.post(
      '/api/auth/password-reset',
      {
        config: { auth: 'public' },
        onRequest: limitPerIp,
        schema: {
          tags: ['accounts'],
          summary: 'Ask for a password reset email',
          description: 'Always 202 with the same body, whether or not the address has an account (nothing reveals which). The code in the email works once, for an hour.',
          body: Type.Object({ email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }) }),
          response: { 202: Type.Object({ status: Type.Literal('accepted'), message: Type.String() }) },
        },
      },
      async (request, reply) => {
        await recovery.requestPasswordReset(request.body.email);
        reply.header('cache-control', 'no-store');
        return reply.code(202).send(ACCEPTED);
      },
    );

    app.post(
      '/api/auth/password-reset/confirm',
      {
        config: { auth: 'public' },
        onRequest: limitPerIp,
        schema: {
          tags: ['accounts'],
          summary: 'Set a new password with the code from the reset email; signs out every session of the account',
          body: Type.Object({ token: Token, password: Type.String({ minLength: MIN_PASSWORD, maxLength: MAX_PASSWORD }) }),
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await recovery.confirmPasswordReset(request.body.token, request.body.password);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/auth/confirm-email',
      {
        config: { auth: 'public' },
        onRequest: limitPerIp,
        schema: {
          tags: ['accounts'],
          summary: 'Confirm the email address with the code from the welcome email',
          body: Type.Object({ token: Token }),
          response: { 200: Type.Object({ customerId: Type.Integer(), emailVerifiedAt: Timestamp }) },
        },
      },
      async (request) => recovery.confirmEmail(request.body.token),
    );
};
