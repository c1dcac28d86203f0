import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { addErrorPage, addNotFoundPage, classify } from '../http/errors.js';
import type { Routes } from '../http/types.js';
import { AssetRegistry, PUBLIC_DIR } from '../web/assets.js';
import { acceptForms } from '../web/form.js';
import { sendPage } from '../web/page.js';
import type { Mount } from '../web/mount.js';
import { WebSessions } from '../web/session.js';
import { accountRoutes } from './account-routes.js';
import { addressRoutes } from './address-routes.js';
import { cartRoutes } from './cart-routes.js';
import { homePage, listingPage, listingParams } from './catalog-pages.js';
import { shopConfigFromEnv, themeCss, type ShopConfig } from './config.js';
import type { Storefront } from './context.js';
import { page, sendError, type PageHandler } from './handler.js';
import { productPath } from './format.js';
import { productPage } from './product-page.js';
import { recoveryRoutes } from './recovery-routes.js';
import { robotsTxt, sitemapXml } from './seo.js';

export const SHOP_COOKIE = { name: 'sk_shop', path: '/', sameSite: 'Lax' } as const;

/** The storefront's static files (CSS, enhancement scripts, icon) plus the theme built from the config. */
export function storefrontAssets(config: ShopConfig, mount?: Mount): AssetRegistry {
  return new AssetRegistry('/assets/shop', mount).addDirectory(join(PUBLIC_DIR, 'storefront')).addText('theme.css', themeCss(config));
}

/**
 * The shop at `/`: pages rendered in this process from the platform's services, plain links and
 * forms (POST → redirect), enhanced by two small scripts. Forms are parsed only in this scope.
 */
export function storefrontRoutesWith(config: ShopConfig): Routes {
  return (app, { platform, auth }) => {
    // Under a mount prefix (src/server) the pages still link by root-relative path: sendPage and the
    // scope's onSend hook move every URL under the prefix (src/web/mount.ts).
    const mount = app.settings.mount;
    const assets = storefrontAssets(config, mount);
    const shop: Storefront = { platform, auth, sessions: new WebSessions(auth, SHOP_COOKIE), assets, config };
    addNotFoundPage(app, '/', (request, reply) => sendError(shop, request, reply, 404));
    addErrorPage(app, '/', (request, reply, status, message) => sendError(shop, request, reply, status, status >= 500 ? undefined : message));
    app.register(async (scope: FastifyInstance) => {
      acceptForms(scope);
      assets.serve(scope);
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
        // The same statuses and public messages as the API's JSON errors, as a page.
        const known = classify(err);
        if (!known) request.log.error({ err }, 'storefront page failed');
        return sendError(shop, request, reply, known?.status ?? 500, known?.message);
      });
      const get = (url: string, handler: PageHandler) => scope.get(url, { config: { auth: 'public' }, schema: { hide: true } }, page(shop, handler));

      get('/', (ctx) => homePage(ctx));
      get('/search', async (ctx, request, reply) => {
        const { page: full, results } = await listingPage(ctx, listingParams(request), false);
        return (request.query as Record<string, unknown>).fragment === '1' ? sendPage(request, reply, results) : full;
      });
      get('/category/:name', async (ctx, request, reply) => {
        const { name } = request.params as { name: string };
        const { page: full, results } = await listingPage(ctx, listingParams(request, name.slice(0, 100)), true);
        return (request.query as Record<string, unknown>).fragment === '1' ? sendPage(request, reply, results) : full;
      });
      const product: PageHandler = async (ctx, request, reply) => {
        const { id } = request.params as { id: string };
        const pid = /^\d{1,15}$/.test(id) ? Number(id) : 0;
        const p = pid > 0 ? await platform.getProductDetail(pid) : null;
        if (!p) return sendError(shop, request, reply, 404);
        const canonical = productPath(p);
        // One URL per product: an old or missing slug redirects to the current one.
        const url = mount.localUrl(request);
        if (url.split('?')[0] !== canonical) {
          const qs = url.includes('?') ? url.slice(url.indexOf('?')) : '';
          return reply.code(301).header('location', canonical + qs).send();
        }
        const query = request.query as Record<string, string | undefined>;
        return productPage(ctx, p, { added: query.added === '1', reviewed: query.reviewed === '1' });
      };
      get('/product/:id', product);
      get('/product/:id/:slug', product);

      scope.get('/robots.txt', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) =>
        reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(robotsTxt(config.publicUrl ?? `${request.protocol}://${request.host}`, mount)),
      );
      scope.get('/sitemap.xml', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) =>
        reply
          .type('application/xml; charset=utf-8')
          .header('cache-control', 'public, max-age=600')
          .send(await sitemapXml(platform, config.publicUrl ?? `${request.protocol}://${request.host}`, mount)),
      );

      cartRoutes(scope, shop);
      accountRoutes(scope, shop);
      addressRoutes(scope, shop);
      recoveryRoutes(scope, shop);
    });
  };
}

export const storefrontRoutes: Routes = (app, ctx) => storefrontRoutesWith(shopConfigFromEnv())(app, ctx);
