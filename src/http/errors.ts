import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, isStorekeeperError, type ErrorCode } from '../errors.js';
import { RateLimitedError } from '../auth/service.js';
import { issuesOf, RequestValidationError } from './validation.js';
import type { App } from './types.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * Renders an error for some requests in another form (the storefront's HTML pages for non-/api
 * paths): returns true when it sent the reply, false to fall back to the JSON error shape.
 * Framework errors answered on the raw socket (408, 431, malformed requests) are always JSON.
 */
export type ErrorRenderer = (request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']) => boolean;

/** Fastify's own request errors (parsing, limits, routing) by their code: always the client's fault. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; status?: number; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_failed', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_failed', message: "The body is empty but Content-Type is 'application/json'" },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Unsupported Content-Type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'validation_failed', message: 'Invalid Content-Type header' },
  FST_ERR_BAD_URL: { code: 'validation_failed', message: 'The URL is not validly percent-encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: 'A path segment is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'validation_failed', message: 'The request matches no route constraint' },
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  431: 'headers_too_large',
};

function sender(renderer: ErrorRenderer | undefined) {
  return (request: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, message: string, details?: unknown): FastifyReply => {
    const error = details === undefined ? { code, message } : { code, message, details };
    // Framework errors bypass onRequest hooks: the request id header is set here too.
    reply.header('x-request-id', request.id);
    if (renderer?.(request, reply, status, error)) return reply;
    if (renderErrorPage(request, reply, status, error)) return reply;
    const body: ErrorBody = { error };
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}

/** Maps any thrown value to its status, code and public message. Unknown errors are 500 `internal`. */
export function classify(err: unknown): { status: number; code: ErrorCode; message: string; details?: unknown } | undefined {
  if (isStorekeeperError(err)) return { status: ERROR_STATUS[err.code], code: err.code, message: err.message, details: err.details };
  if (err instanceof RequestValidationError) return { status: 400, code: 'validation_failed', message: err.message, details: issuesOf(err.validation, err.part) };
  const fastifyError = err as FastifyError;
  const known = fastifyError?.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { status: known.status ?? ERROR_STATUS[known.code], code: known.code, message: known.message ?? fastifyError.message };
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status];
    return code ? { status, code, message: fastifyError.message } : { status: 400, code: 'validation_failed', message: fastifyError.message };
  }
  return undefined;
}

/**
 * One error shape for everything: `{ error: { code, message, details? } }` with an X-Request-Id.
 * Engine errors keep their code and status; request errors become 4xx; anything else is logged
 * and answered 500 `internal` without its message, which could hold internals. Routing errors
 * (bad percent-encoding, an over-long path segment) come through Fastify's `frameworkErrors`,
 * which server.ts points at `frameworkErrorHandler`.
 */
export function installErrorHandling(app: App, renderer?: ErrorRenderer): void {
  const send = sender(renderer);
  app.setErrorHandler((err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const known = classify(err);
    if (!known) {
      request.log.error({ err }, 'unhandled error');
      return send(request, reply, 500, 'internal', 'Internal server error');
    }
    if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
    if (known.code === 'busy' || known.code === 'outcome_unknown') reply.header('retry-after', '1');
    if (known.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
    return send(request, reply, known.status, known.code, known.message, known.details);
  });

  app.setNotFoundHandler((request, reply) => {
    const page = notFoundPageFor(request);
    if (page) return page(request, reply);
    return send(request, reply, 404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
  });
}

/** Fastify's `frameworkErrors` option: routing errors in the one shape. */
export function frameworkErrorHandler(renderer?: ErrorRenderer) {
  const send = sender(renderer);
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const known = classify(err) ?? { status: 400, code: 'validation_failed' as const, message: 'Bad request' };
    reply.header('x-content-type-options', 'nosniff');
    void send(request, reply, known.status, known.code, known.message);
  };
}

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before there is a request
 * (header overflow, request timeout, a malformed request line) are answered on the raw socket,
 * still in the one shape and with a request id, and the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are too large']
        : [400, 'validation_failed', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${randomUUID()}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Renders a 404 as an HTML page for a path prefix (the storefront at `/`, the admin at `/admin`). */
export type NotFoundPage = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>;
/** Renders any other error as an HTML page for a path prefix; `message` is the public one of the JSON shape. */
export type ErrorPage = (request: FastifyRequest, reply: FastifyReply, status: number, message: string) => FastifyReply | Promise<FastifyReply>;

interface PrefixPages {
  /** The full path prefix, the mount prefix included. */
  prefix: string;
  notFound?: NotFoundPage;
  error?: ErrorPage;
}

// Keyed by the HTTP server, which every encapsulated instance shares: framework errors (bad
// percent-encoding, an over-long path segment) only see the root instance.
const prefixPages = new WeakMap<object, PrefixPages[]>();

function register(app: App, prefix: string, pages: Omit<PrefixPages, 'prefix'>): void {
  const list = prefixPages.get(app.server) ?? [];
  const full = app.prefix + prefix;
  const entry = list.find((p) => p.prefix === full);
  if (entry) Object.assign(entry, pages);
  else list.push({ prefix: full, ...pages });
  list.sort((a, b) => b.prefix.length - a.prefix.length);
  prefixPages.set(app.server, list);
}

/** Outside `/api/`, a GET for an unknown path under `prefix` gets that page instead of the JSON error; the longest prefix wins. */
export function addNotFoundPage(app: App, prefix: string, render: NotFoundPage): void {
  register(app, prefix, { notFound: render });
}

/**
 * Outside `/api/`, a browser's request (it accepts HTML or sends a form) under `prefix` whose error
 * the framework or the root error handler answers (a malformed URL, a body too large, a POST to no
 * route) gets this page with the error's status instead of the JSON shape; the longest prefix wins, and a prefix without one stays JSON.
 */
export function addErrorPage(app: App, prefix: string, render: ErrorPage): void {
  register(app, prefix, { error: render });
}

/** The pages registered for this request's path, none under any `/api`. */
function pagesFor(request: FastifyRequest): PrefixPages | undefined {
  const path = request.url.split('?')[0]!;
  const list = prefixPages.get(request.server.server);
  const pages = list?.find((p) => path.startsWith(p.prefix));
  if (!pages) return undefined;
  const rest = path.slice(pages.prefix.replace(/\/$/, '').length);
  // The API under any mount keeps its JSON shape.
  return /(^|\/)api(\/|$)/.test(rest.split('/').slice(0, 2).join('/')) ? undefined : pages;
}

/**
 * A browser's request: it asks for HTML (a navigation) or sends a form. Anything else on a page
 * path (an API client's JSON, an <img> fetching /images/…) keeps the JSON error shape.
 */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const type = request.headers['content-type'] ?? '';
  return accept.includes('text/html') || /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type);
}

function notFoundPageFor(request: FastifyRequest): NotFoundPage | undefined {
  const pages = pagesFor(request);
  if (!pages) return undefined;
  if (request.method === 'GET' || request.method === 'HEAD') return pages.notFound;
  const error = wantsHtml(request) ? pages.error : undefined;
  return error ? (req, reply) => error(req, reply, 404, `No route for ${req.method} ${req.url.split('?')[0]}`) : undefined;
}

/** Sends the error as the prefix's HTML page when it has one; false leaves the JSON shape to the caller. */
function renderErrorPage(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']): boolean {
  const render = wantsHtml(request) ? pagesFor(request)?.error : undefined;
  if (!render) return false;
  Promise.resolve()
    .then(() => render(request, reply, status, error.message))
    .catch((err: unknown) => {
      request.log.error({ err }, 'error page failed');
      if (!reply.sent) void reply.code(status).type('application/json; charset=utf-8').send({ error } satisfies ErrorBody);
    });
  return true;
}
