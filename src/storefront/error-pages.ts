import { html, type SafeHtml } from '../web/html.js';
import type { PageContext } from './context.js';
import { layout } from './layout.js';
import { t } from './strings.js';

export function errorPage(ctx: PageContext, status: number, message?: string): SafeHtml {
  const title = status === 404 ? t.notFoundTitle : status >= 500 ? t.errorTitle : t.badRequestTitle;
  const text = status === 404 ? t.notFoundText : status >= 500 ? t.errorText : (message ?? t.errorText);
  return layout(ctx, {
    title,
    noindex: true,
    body: html`<h1>${title}</h1><p>${text}</p><p><a href="/">${t.backHome}</a></p>`,
  });
}
