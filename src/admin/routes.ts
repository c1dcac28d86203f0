import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addErrorPage, classify } from '../http/errors.js';
import type { Routes } from '../http/types.js';
import { DashboardReport } from '../reports/dashboard.js';
import { AssetRegistry, PUBLIC_DIR } from '../web/assets.js';
import { acceptForms } from '../web/form.js';
import { html } from '../web/html.js';
import { sendPage } from '../web/page.js';
import type { Mount } from '../web/mount.js';
import { WebSessions } from '../web/session.js';
import type { AdminContext } from './context.js';
import { layout, useCurrency } from './layout.js';
import { catalogPages } from './pages/catalog.js';
import { csvPages } from './pages/csv.js';
import { customerPages } from './pages/customers.js';
import { DASHBOARD_MAX_AGE_S, dashboardPages } from './pages/dashboard.js';
import { importPages } from './pages/import.js';
import { notificationPages } from './pages/notifications.js';
import { orderPages } from './pages/orders.js';
import { promotionPages } from './pages/promotions.js';
import { settingsPages } from './pages/settings.js';
import { signInPages } from './pages/sign-in.js';
import { sqlPages } from './pages/sql.js';
import { staffPages } from './pages/staff.js';
import { variantPages } from './pages/variants.js';
import { AdminQueries } from './queries.js';

// Resolved like an import, so it is found wherever the package manager put uplot.
const UPLOT = `${dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'))}/`;

/** The asset registry of the panel: public/admin/ plus uPlot for the dashboard chart. */
export function adminAssets(mount?: Mount): AssetRegistry {
  return new AssetRegistry('/admin/assets', mount)
    .addDirectory(`${PUBLIC_DIR}admin`)
    .addFile('uplot.js', `${UPLOT}uPlot.iife.min.js`)
    .addFile('uplot.css', `${UPLOT}uPlot.min.css`);
}

/**
 * The admin panel at /admin (issue 13): server-rendered pages in their own encapsulated scope, so
 * the form parser, the HTML error pages and the 404 page apply to the panel only.
 */
export const adminRoutes: Routes = (app, { platform, auth }) => {
  const assets = adminAssets(app.settings.mount);
  useCurrency(platform.shop.currency);
  assets.serve(app);
  const ctx: AdminContext = {
    platform,
    auth,
    sessions: new WebSessions(auth, { name: 'sk_admin', path: '/admin', sameSite: 'Strict' }),
    assets,
    queries: new AdminQueries(platform.db),
    dashboard: new DashboardReport(platform.db, DASHBOARD_MAX_AGE_S * 1000, { paymentTimeoutSeconds: platform.payments.settings.timeoutSeconds }),
  };
  // Errors the framework answers before the panel's scope (a malformed URL, a body too large) get the panel's page too.
  addErrorPage(app, '/admin', (request, reply, status, message) => statusPage(assets, request, reply, status, status >= 500 ? undefined : message));
  void app.register(
    async (scope: FastifyInstance) => {
      acceptForms(scope);
      scope.setErrorHandler((err: FastifyError | Error, request, reply) => errorPage(ctx, err, request, reply));
      scope.setNotFoundHandler((request, reply) =>
        sendPage(request, reply, layout(assets, { title: 'Not found', body: html`<p>There is no such page. <a href="/admin">Go to the dashboard</a>.</p>` }), {
          status: 404,
        }),
      );
      for (const pages of [
        signInPages,
        dashboardPages,
        catalogPages,
        orderPages,
        customerPages,
        promotionPages,
        csvPages,
        importPages,
        sqlPages,
        staffPages,
        settingsPages,
        notificationPages,
        variantPages,
      ]) {
        pages(scope, ctx);
      }
    },
    { prefix: '/admin' },
  );
};

/** Any error on a page becomes an HTML page with its status (a 4xx for bad input, never a raw 500 text). */
function errorPage(ctx: AdminContext, err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = classify(err);
  if (!known) request.log.error({ err }, 'admin page failed');
  return statusPage(ctx.assets, request, reply, known?.status ?? 500, known?.message);
}

function statusPage(assets: AssetRegistry, request: FastifyRequest, reply: FastifyReply, status: number, known: string | undefined): FastifyReply {
  const message = known ?? 'Something went wrong on our side; the change was not made.';
  const body = html`<p role="alert">${message}</p><p>Use your browser’s Back button to return to the form, or go to the <a href="/admin">dashboard</a>.</p>`;
  return sendPage(request, reply, layout(assets, { title: status === 403 ? 'Not allowed' : 'That did not work', body }), { status });
}
