import { Type } from '@fastify/type-provider-typebox';
import type { Routes } from './types.js';

/** Liveness (the process answers) and readiness (the database answers a query and still accepts writes). */
export const healthRoutes: Routes = (app, { platform }) => {
  app.get(
    '/healthz',
    { config: { auth: 'public' }, schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers a query (503 when it does not)',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Object({ status: Type.Literal('unavailable') }) },
      },
    },
    async (request, reply) => {
      try {
        const failed = platform.db.healthError?.();
        if (failed) throw failed;
        await platform.db.get('SELECT 1 AS one');
        return { status: 'ready' as const };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable' as const });
      }
    },
  );
};
