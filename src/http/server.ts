import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify, { LogController, type FastifySchema, type FastifySchemaCompiler, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installAuthentication } from '../auth/hook.js';
import { RateLimiter } from '../auth/rate-limit.js';
import { authRoutes } from '../auth/routes.js';
import { AuthService, type AuthOptions } from '../auth/service.js';
import { cartRoutes } from '../cart/routes.js';
import { catalogRoutes } from '../catalog/routes.js';
import { customerRoutes } from '../customers/routes.js';
import { DEFAULT_DATABASE } from '../db/open.js';
import { ConflictError } from '../errors.js';
import { inventoryRoutes } from '../inventory/routes.js';
import { cleanupJob } from '../jobs/cleanup.js';
import { ClusterScheduler } from '../jobs/scheduler.js';
import { orderRoutes } from '../orders/routes.js';
import { EcommercePlatform } from '../platform.js';
import { reportRoutes } from '../reports/routes.js';
import { reviewRoutes } from '../reviews/routes.js';
import { priceHistoryRoutes } from '../pricing/routes.js';
import { promotionRoutes } from '../promotions/routes.js';
import { imageRoutes } from '../images/routes.js';
import { adminRoutes } from '../admin/routes.js';
import { addressRoutes } from '../addresses/routes.js';
import { shippingRoutes } from '../shipping/routes.js';
import { taxRoutes } from '../tax/routes.js';
import { notificationRoutes } from '../notifications/routes.js';
import { recoveryRoutes } from '../auth/recovery-routes.js';
import { paymentRoutes } from '../payments/routes.js';
import { webhookRoutes } from '../payments/webhook-routes.js';
import { paymentJobs } from '../payments/jobs.js';
import { storefrontRoutes } from '../storefront/routes.js';
import { loadDemoCatalog } from './demo-catalog.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling, type ErrorRenderer } from './errors.js';
import { healthRoutes } from './health.js';
import { installOpenApi, operationIdFor } from './openapi.js';
import { ErrorSchema } from './schemas.js';
import type { App, AuthLevel, RouteContext, Routes } from './types.js';
import { installLazyCompilers } from './lazy-compile.js';
import { validatorCompiler } from './validation.js';
import { installMountRewriting, Mount } from '../web/mount.js';

/** Every route file, registered in this order. A new domain adds its `routes.ts` here. */
export const ROUTES: Routes[] = [healthRoutes, authRoutes, customerRoutes, catalogRoutes, inventoryRoutes, cartRoutes, orderRoutes, reportRoutes, reviewRoutes, priceHistoryRoutes, promotionRoutes, imageRoutes, addressRoutes, shippingRoutes, taxRoutes, recoveryRoutes, notificationRoutes, paymentRoutes, webhookRoutes, adminRoutes, storefrontRoutes];

export interface ServerOptions {
  /** Fastify/pino logger; default: pino at LOG_LEVEL (info). Tests pass false. */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body in bytes (default 1 MiB); larger is a 413. */
  bodyLimit?: number;
  /** Login and register requests per IP per minute (default AUTH_RATE_LIMIT_PER_MIN or 30). */
  authRateLimitPerMin?: number;
  /** Session lifetime and login lockout; default 7 days and 10 failures in 15 minutes. */
  auth?: AuthOptions;
  /** Mark the session cookie Secure (default: COOKIE_SECURE=true, or NODE_ENV=production). */
  cookieSecure?: boolean;
  /**
   * Which proxies may tell the client address in X-Forwarded-For (default TRUST_PROXY, else none):
   * a hop count (`true` = 1: the address the nearest proxy saw), or the proxies' addresses/CIDRs.
   * Entries added left of the trusted hops are the client's and are never believed.
   */
  trustProxy?: TrustProxy;
  /** Timeouts in ms (defaults REQUEST_TIMEOUT_MS 30 s, HEADERS_TIMEOUT_MS 10 s, CONNECTION_TIMEOUT_MS 120 s, KEEP_ALIVE_TIMEOUT_MS 72 s). */
  timeouts?: Partial<HttpTimeouts>;
  /** Renders errors of some requests another way (HTML pages); default: always the JSON shape. */
  errorRenderer?: ErrorRenderer;
  /** More route files, after the built-in ones. */
  extraRoutes?: Routes[];
  /** Serve everything under this path (`/shop`); see storekeeperPlugin in src/server to mount into an app of your own. */
  prefix?: string;
}

export type TrustProxy = boolean | number | string | string[];

export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this (else 408). */
  requestMs: number;
  /** The request headers must arrive within this (else 408); at most requestMs. */
  headersMs: number;
  /** A socket with no traffic either way for this long is closed (a hung request included). */
  connectionMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

/** TRUST_PROXY / trustProxy as Fastify's option: never `true` (which believes any X-Forwarded-For). */
export function parseTrustProxy(value: TrustProxy | undefined): false | string[] | ((address: string, hop: number) => boolean) {
  const hops = trustedHops(value);
  return typeof hops === 'number' ? (_address, hop) => hop < hops : hops;
}

function trustedHops(value: TrustProxy | undefined): false | number | string[] {
  if (value === undefined || value === false || value === '' || value === 'false') return false;
  if (value === true || value === 'true') return 1;
  if (typeof value === 'number' || /^\d+$/.test(String(value))) {
    const hops = Number(value);
    if (!Number.isSafeInteger(hops) || hops < 0) throw new Error(`TRUST_PROXY: invalid hop count ${String(value)}`);
    return hops === 0 ? false : hops;
  }
  const list = (Array.isArray(value) ? value : value.split(',')).map((a) => a.trim()).filter((a) => a !== '');
  for (const entry of list) {
    const [address, bits, extra] = entry.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    if (!named && (extra !== undefined || isIP(address!) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits)))) {
      throw new Error(`TRUST_PROXY: '${entry}' is not an address, a CIDR or a hop count`);
    }
  }
  return list.length > 0 ? list : false;
}

export function httpTimeouts(given: Partial<HttpTimeouts> = {}): HttpTimeouts {
  const requestMs = given.requestMs ?? envNumber('REQUEST_TIMEOUT_MS', 30_000);
  return {
    requestMs,
    headersMs: Math.min(requestMs, given.headersMs ?? envNumber('HEADERS_TIMEOUT_MS', 10_000)),
    connectionMs: given.connectionMs ?? envNumber('CONNECTION_TIMEOUT_MS', 120_000),
    keepAliveMs: given.keepAliveMs ?? envNumber('KEEP_ALIVE_TIMEOUT_MS', 72_000),
  };
}

export interface HttpSettings {
  /** Where the API answers, with the mount prefix (the session cookie's Path). */
  apiPath: string;
  cookieSecure: boolean;
  authLimiter: RateLimiter;
  /** The mount prefix (`/shop`, or '' at the root) and the rewriting of the pages' URLs under it (src/web/mount.ts). */
  mount: Mount;
}

declare module 'fastify' {
  interface FastifyInstance {
    settings: HttpSettings;
  }
}

function envNumber(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= min ? n : fallback;
}

/** The Fastify app over an open platform, not listening; call `listen` or `inject` on it. */
export async function buildServer(platform: EcommercePlatform, options: ServerOptions = {}): Promise<App> {
  const timeouts = httpTimeouts(options.timeouts);
  const app = Fastify({
    logger: options.logger ?? { level: process.env.LOG_LEVEL ?? 'info' },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: parseTrustProxy(options.trustProxy ?? process.env.TRUST_PROXY),
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node checks request and header deadlines on this interval (default 30 s, too coarse for them).
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersMs / 4))) },
    frameworkErrors: frameworkErrorHandler(options.errorRenderer),
    clientErrorHandler,
    // A caller's X-Request-Id is kept (to trace a request across services) if it looks like an id.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // One log line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (options.prefix) await app.register((child) => installStorekeeper(child, platform, options), { prefix: options.prefix });
  else await installStorekeeper(app, platform, options);
  return app;
}

/**
 * The shop on a Fastify instance: hooks, parsers, error shape, OpenAPI and every route, under the
 * instance's prefix. Server-wide settings (logger, timeouts, proxies) belong to whoever made the instance.
 */
export async function installStorekeeper(app: App, platform: EcommercePlatform, options: ServerOptions = {}): Promise<void> {
  installLazyCompilers(app, validatorCompiler as FastifySchemaCompiler<unknown>);
  // JSON only: text/plain (parsed by default) becomes a 415 like every other type, and an empty
  // JSON body counts as no body (so POST /api/orders needs none), not as malformed JSON.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, body as string, done),
  );

  const auth = new AuthService(platform.db, options.auth);
  const mount = new Mount(app.prefix.replace(/\/+$/, ''));
  installMountRewriting(app, mount);
  app.decorate('settings', {
    mount,
    apiPath: `${app.prefix}/api`,
    cookieSecure: options.cookieSecure ?? (process.env.COOKIE_SECURE ? process.env.COOKIE_SECURE === 'true' : process.env.NODE_ENV === 'production'),
    authLimiter: new RateLimiter(options.authRateLimitPerMin ?? envNumber('AUTH_RATE_LIMIT_PER_MIN', 30)),
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
  });
  if (['trace', 'debug', 'info'].includes(app.log.level)) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    });
  }
  installErrorHandling(app, options.errorRenderer);
  installAuthentication(app, auth);
  app.addHook('onRoute', (route) => documentRoute(route));
  await installOpenApi(app);

  const ctx: RouteContext = { platform, auth };
  for (const routes of [...ROUTES, ...(options.extraRoutes ?? [])]) routes(app, ctx);
}

/** Adds what OpenAPI readers need to every documented route: its operationId, its security and the error shape. */
function documentRoute(route: { url: string; method: string | string[]; prefix?: string; schema?: FastifySchema; config?: unknown }): void {
  const path = route.url.slice(route.prefix?.length ?? 0);
  // The default level is decided here, where the mount prefix is known (routes under /api are closed by default).
  const config = (route.config ??= {}) as { auth?: AuthLevel };
  const level = (config.auth ??= path.startsWith('/api/') ? 'customer' : 'public');
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (schema.hide) return;
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  if (method === 'HEAD') return;
  schema.operationId ??= operationIdFor(method, path);
  // OpenAPI: `[]` means no credentials; `{}` among the alternatives means they are optional.
  schema.security = level === 'public' ? [] : [...(level === 'optional' ? [{}] : []), { bearerAuth: [] }, { cookieAuth: [] }];
  if (level === 'admin') schema.description = `${String(schema.description ?? '')} Administrators only.`.trim();
  if (level === 'staff') schema.description = `${String(schema.description ?? '')} Staff and administrators.`.trim();
  const response = (schema.response ??= {}) as Record<string, unknown>;
  response['4xx'] ??= ErrorSchema;
  response['5xx'] ??= ErrorSchema;
}

export interface StartOptions extends ServerOptions {
  host?: string;
  port?: number;
  /** SQLite path or postgres:// URL (default DATABASE_URL or ./data/store.db). */
  databaseUrl?: string;
  /** Load the demo catalog into an empty database (default: unless STORE_DEMO_DATA=false). */
  demoData?: boolean;
  adminEmail?: string;
  adminPassword?: string;
  /** Close gracefully on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
  /** Run the once-per-cluster cleanup of expired sessions (src/jobs) and the outbox runner (src/notifications); default true. */
  backgroundJobs?: boolean;
}

export interface RunningServer {
  url: string;
  app: App;
  platform: EcommercePlatform;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * `npm start`: opens the database (migrating it), loads the demo catalog into an empty shop,
 * creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD when absent, and listens.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const platform = await EcommercePlatform.open(options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE);
  let app: App | undefined;
  try {
    app = await buildServer(platform, options);
    if (options.demoData ?? process.env.STORE_DEMO_DATA !== 'false') {
      const added = await loadDemoCatalog(platform);
      if (added > 0) app.log.info({ products: added }, 'loaded the demo catalog');
    }
    const adminEmail = options.adminEmail ?? process.env.ADMIN_EMAIL;
    const adminPassword = options.adminPassword ?? process.env.ADMIN_PASSWORD;
    if (adminEmail && adminPassword) await ensureAdmin(platform, app, adminEmail, adminPassword);
    const url = await app.listen({ host: options.host ?? process.env.HOST ?? '127.0.0.1', port: options.port ?? envNumber('PORT', 3000, 0) });
    const running = app;
    platform.payments.onBackgroundError = (err) => running.log.warn({ err }, 'payment operation left for reconciliation');
    const jobs =
      options.backgroundJobs === false
        ? undefined
        : new ClusterScheduler(platform.db, [cleanupJob(platform.db, { auth: options.auth }), ...paymentJobs(platform)], {
            onError: (job, err) => running.log.error({ err, job }, 'background job failed'),
            onRun: (job, result) => running.log.info({ job, result }, 'background job ran'),
          }).start();
    if (options.backgroundJobs !== false) platform.startJobs({ onError: (err) => running.log.error({ err }, 'notification round failed') });
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        await jobs?.stop();
        await running.close();
        await platform.close();
        running.log.info('closed');
      })());
    const onSignal = (signal: NodeJS.Signals) => {
      running.log.info({ signal }, 'shutting down');
      // A request that never ends must not keep the process alive forever.
      setTimeout(() => process.exit(1), 10_000).unref();
      close().catch((err: unknown) => {
        running.log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
      });
    };
    if (options.handleSignals ?? true) {
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    return { url, app, platform, close };
  } catch (e) {
    await app?.close();
    await platform.close();
    throw e;
  }
}

/** Creates the admin account unless that email already has one (several processes may race: a conflict is fine). */
async function ensureAdmin(platform: EcommercePlatform, app: App, email: string, password: string): Promise<void> {
  const auth = new AuthService(platform.db);
  if (await auth.hasAccount(email)) {
    const customer = await platform.customers.findByEmail(email);
    if (customer && (await auth.roleOf(customer.id)) !== 'admin') app.log.warn({ email }, 'ADMIN_EMAIL has a customer account, not an admin one; left as it is');
    return;
  }
  try {
    await auth.createAdmin({ email, password });
    app.log.info({ email }, 'created the admin account');
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
  }
}
