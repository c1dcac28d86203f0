import { csrfInput } from '../web/csrf.js';
import { html, jsonForScript, type HtmlValue, type SafeHtml } from '../web/html.js';
import type { PageContext } from './context.js';
import { t } from './strings.js';

export interface PageSpec {
  title: string;
  /** Meta description (search results and link previews). */
  description?: string;
  /** Path of the canonical URL (without origin); omitted for pages that should not be indexed. */
  canonical?: string;
  noindex?: boolean;
  /** Enhancement scripts by asset name (ES modules, deferred by nature). */
  scripts?: readonly string[];
  /** Third-party scripts by absolute URL (Stripe.js), loaded before ours; the page's CSP must allow them. */
  externalScripts?: readonly string[];
  jsonLd?: unknown;
  body: HtmlValue;
}

/** The page shell: head, header with search, cart and account links, main, footer. */
export function layout(ctx: PageContext, page: PageSpec): SafeHtml {
  const { config, assets } = ctx.shop;
  const title = page.title.includes(config.name) ? page.title : `${page.title} · ${config.name}`;
  return html`<!doctype html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${page.description ?? config.tagline}">
${page.canonical ? html`<link rel="canonical" href="${ctx.absolute(page.canonical)}">` : null}
${page.noindex ? html`<meta name="robots" content="noindex">` : null}
<meta property="og:title" content="${title}">
<meta property="og:site_name" content="${config.name}">
<link rel="icon" href="${assets.url('icon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${assets.url('shop.css')}">
<link rel="stylesheet" href="${assets.url('theme.css')}">
${(page.externalScripts ?? []).map((src) => html`<script src="${src}"></script>`)}
${(page.scripts ?? []).map((name) => html`<script type="module" src="${assets.url(name)}"></script>`)}
${page.jsonLd === undefined ? null : html`<script type="application/ld+json">${jsonForScript(page.jsonLd)}</script>`}
</head>
<body>
<a class="skip" href="#main">${t.skipToContent}</a>
<header class="top">
<div class="bar">
<a class="brand" href="/">${config.logoUrl ? html`<img src="${config.logoUrl}" alt="${config.name}" height="32">` : config.name}</a>
<form class="search" role="search" action="/search" method="get">
<label for="q">${t.search}</label>
<input id="q" name="q" type="search" value="${ctx.query}" placeholder="${t.searchPlaceholder}" autocomplete="off" maxlength="200" data-live-search>
<button type="submit">${t.searchButton}</button>
<div id="suggestions" class="suggestions" aria-live="polite"></div>
</form>
<nav class="user" aria-label="${t.account}">
<a class="cart-link" href="/cart">${t.cart} <span class="count" data-cart-count>${ctx.cartCount}</span><span class="visually-hidden"> (${t.cartCount(ctx.cartCount)})</span></a>
${
  ctx.session
    ? html`<a href="/account">${t.account}</a>
<form class="inline" method="post" action="/signout">${csrfInput(ctx.csrf)}<button type="submit" class="link">${t.signOut}</button></form>`
    : html`<a href="/signin">${t.signIn}</a> <a href="/register">${t.register}</a>`
}
</nav>
</div>
</header>
<main id="main" tabindex="-1">
${page.body}
</main>
<footer class="foot"><p>${config.name}: ${config.tagline}</p><p><a href="/search">${t.allProducts}</a></p></footer>
</body>
</html>`;
}

/** A visible list of form errors, announced to screen readers. */
export function formErrors(messages: readonly string[]): SafeHtml | null {
  if (messages.length === 0) return null;
  return html`<div class="alert" role="alert"><p>${t.formError}</p><ul>${messages.map((m) => html`<li>${m}</li>`)}</ul></div>`;
}

export function notice(message: string | null): SafeHtml | null {
  return message ? html`<p class="notice" role="status">${message}</p>` : null;
}
