import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, isStorekeeperError, type ErrorCode } from '../errors.js';
import { RateLimitedError } from '../auth/service.js';
import { issuesOf, RequestValidationError } from './validation.js';
import type { App } from './types.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string, details?: unknown): FastifyReply {
  const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own request errors (parsing, limits) by their code: always the client's fault. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_failed', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_failed', message: "The body is empty but Content-Type is 'application/json'" },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Unsupported Content-Type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'validation_failed', message: 'Invalid Content-Type header' },
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

/**
 * One error shape for everything: `{ error: { code, message, details? } }`.
 * Engine errors keep their code and status; request errors become 4xx; anything else is logged
 * and answered 500 `internal` without its message, which could hold internals.
 */
export function installErrorHandling(app: App): void {
  app.setErrorHandler((err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (isStorekeeperError(err)) {
      if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
      if (err.code === 'busy') reply.header('retry-after', '1');
      if (err.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
      return send(reply, ERROR_STATUS[err.code], err.code, err.message, err.details);
    }
    if (err instanceof RequestValidationError) {
      return send(reply, 400, 'validation_failed', err.message, issuesOf(err.validation, err.part));
    }
    const fastifyError = err as FastifyError;
    const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (known) return send(reply, ERROR_STATUS[known.code], known.code, known.message ?? err.message);
    const status = fastifyError.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'validation_failed';
      return send(reply, CODE_BY_STATUS[status] ? status : 400, code, err.message);
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, 500, 'internal', 'Internal server error');
  });

  app.setNotFoundHandler((request, reply) => {
    const page = notFoundPageFor(app, request);
    if (page) return page(request, reply);
    return send(reply, 404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
  });
}

/** Renders a 404 as an HTML page for a path prefix (the storefront at `/`, the admin at `/admin`). */
export type NotFoundPage = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>;
const notFoundPages = new WeakMap<object, { prefix: string; render: NotFoundPage }[]>();

/** Outside `/api/`, a GET for an unknown path under `prefix` gets that page instead of the JSON error; the longest prefix wins. */
export function addNotFoundPage(app: App, prefix: string, render: NotFoundPage): void {
  const list = notFoundPages.get(app) ?? [];
  list.push({ prefix, render });
  list.sort((a, b) => b.prefix.length - a.prefix.length);
  notFoundPages.set(app, list);
}

function notFoundPageFor(app: App, request: FastifyRequest): NotFoundPage | undefined {
  const path = request.url.split('?')[0]!;
  if (path === '/api' || path.startsWith('/api/') || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
  return notFoundPages.get(app)?.find((p) => path.startsWith(p.prefix))?.render;
}
