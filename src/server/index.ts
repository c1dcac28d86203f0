import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { buildServer, installStorekeeper, type ServerOptions } from '../http/server.js';
import type { App } from '../http/types.js';
import type { EcommercePlatform } from '../platform.js';

export { buildServer, startServer, type ServerOptions, type StartOptions, type RunningServer } from '../http/server.js';
export type { App, Routes, RouteContext, AuthLevel } from '../http/types.js';

export interface StorekeeperPluginOptions extends Omit<ServerOptions, 'logger' | 'trustProxy' | 'prefix'> {
  /** An open platform (`await EcommercePlatform.open(…)`); the host app closes it. */
  platform: EcommercePlatform;
  /** Fastify's own register option: the path the shop answers under, e.g. `/shop`. */
  prefix?: string;
}

/**
 * The shop as a Fastify plugin: `await app.register(storekeeperPlugin, { platform, prefix: '/shop' })`.
 * Encapsulated: its hooks, JSON parser, validator and error shape apply to its own routes only, and
 * the host's logger, proxy trust and timeouts apply to it. Not wrapped in fastify-plugin on purpose.
 */
export const storekeeperPlugin: FastifyPluginAsync<StorekeeperPluginOptions> = async (instance, opts) => {
  const { platform, prefix: _prefix, ...options } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  if (options.bodyLimit !== undefined) {
    const limit = options.bodyLimit;
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= limit;
    });
  }
  await installStorekeeper(app, platform, options);
};

export interface RequestHandlerOptions extends ServerOptions {
  platform: EcommercePlatform;
}

/** A plain Node request handler, `(req, res)`, or Connect/Express middleware `(req, res, next)`. */
export interface StorekeeperRequestHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The Fastify app behind it (for `inject` in tests, or its logger). */
  readonly app: App;
  /** Stops the app (the platform stays open: it is the caller's). */
  close(): Promise<void>;
}

/**
 * The shop for `node:http` or Express: `http.createServer(await createRequestHandler({ platform, prefix: '/shop' }))`
 * or `expressApp.use(handler)` (before any body parser: the shop reads its own bodies). With a
 * `next`, a request outside the prefix is passed on; without one it gets the shop's 404.
 */
export async function createRequestHandler(options: RequestHandlerOptions): Promise<StorekeeperRequestHandler> {
  const { platform, ...rest } = options;
  const prefix = (rest.prefix ?? '').replace(/\/+$/, '');
  const app = await buildServer(platform, { logger: false, ...rest, prefix: prefix || undefined });
  await app.ready();
  const handler = (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next?: (err?: unknown) => void) => {
    // Express strips its own mount path from req.url; the shop routes on the full path.
    if (typeof req.originalUrl === 'string') req.url = req.originalUrl;
    const path = (req.url ?? '/').split('?')[0]!;
    if (next && prefix && path !== prefix && !path.startsWith(`${prefix}/`)) return next();
    app.routing(req, res);
  };
  return Object.assign(handler, { app, close: () => app.close() });
}
