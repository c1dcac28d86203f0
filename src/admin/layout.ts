import type { Role } from '../auth/service.js';
import type { Currency } from '../money.js';
import { csrfInput } from '../web/csrf.js';
import { html, type HtmlValue, type SafeHtml } from '../web/html.js';
import type { AssetRegistry } from '../web/assets.js';

export interface Shell {
  title: string;
  /** Signed-in staff: shows the navigation and the sign-out button. */
  user?: { email: string; role: Role } | null;
  csrf?: string;
  /** Which navigation entry is the current page. */
  section?: string;
  body: HtmlValue;
  /** Extra scripts (fingerprinted asset names), e.g. the dashboard's chart. */
  scripts?: readonly string[];
  styles?: readonly string[];
}

const NAV: { href: string; label: string; section: string; adminOnly?: boolean }[] = [
  { href: '/admin', label: 'Dashboard', section: 'dashboard' },
  { href: '/admin/products', label: 'Products', section: 'products' },
  { href: '/admin/orders', label: 'Orders', section: 'orders' },
  { href: '/admin/customers', label: 'Customers', section: 'customers' },
  { href: '/admin/discounts', label: 'Discounts', section: 'discounts', adminOnly: true },
  { href: '/admin/reviews', label: 'Reviews', section: 'reviews', adminOnly: true },
  { href: '/admin/csv', label: 'CSV', section: 'csv' },
  { href: '/admin/import', label: 'Import', section: 'import', adminOnly: true },
  { href: '/admin/settings', label: 'Settings', section: 'settings', adminOnly: true },
  { href: '/admin/webhooks', label: 'Webhooks', section: 'webhooks', adminOnly: true },
  { href: '/admin/notifications', label: 'Notifications', section: 'notifications', adminOnly: true },
  { href: '/admin/sql', label: 'SQL', section: 'sql', adminOnly: true },
  { href: '/admin/staff', label: 'Staff', section: 'staff', adminOnly: true },
];

/** The page around every admin screen: skip link, navigation, main landmark. */
export function layout(assets: AssetRegistry, shell: Shell): SafeHtml {
  const user = shell.user;
  const nav = user
    ? html`<nav aria-label="Admin">
        <ul>
          ${NAV.filter((n) => !n.adminOnly || user.role === 'admin').map(
            (n) => html`<li><a href="${n.href}"${n.section === shell.section ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
          )}
        </ul>
        <form method="post" action="/admin/sign-out" class="signout">
          ${csrfInput(shell.csrf ?? '')}<span class="who">${user.email} (${user.role})</span>
          <button type="submit">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · Storekeeper admin</title>
<link rel="stylesheet" href="${assets.url('admin.css')}">
${(shell.styles ?? []).map((s) => html`<link rel="stylesheet" href="${assets.url(s)}">`)}
${(shell.scripts ?? []).map((s) => html`<script src="${assets.url(s)}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/admin">Storekeeper admin</a>${nav}</header>
<main id="main" tabindex="-1">
<h1>${shell.title}</h1>
${shell.body}
</main>
</body>
</html>`;
}

let shopCurrency: Currency = { code: 'USD', decimals: 2 };

/** The currency the panel shows amounts in: the shop's, set when the panel is mounted. */
export function useCurrency(currency: Currency): void {
  shopCurrency = currency;
}

/** Integer minor units of the shop's currency as money, for display only. */
export function money(minor: number): string {
  const c = shopCurrency;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: c.code, minimumFractionDigits: c.decimals, maximumFractionDigits: c.decimals }).format(
    minor / 10 ** c.decimals,
  );
}

export function when(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** A link to the next keyset page that keeps the current filters. */
export function nextLink(base: string, params: Record<string, string | undefined>, cursorName: string, next: string | null): SafeHtml {
  if (!next) return html``;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  query.set(cursorName, next);
  return html`<p class="pager"><a href="${base}?${query.toString()}" rel="next">Next page</a></p>`;
}

/** A message after a redirect (`?done=…`), announced to screen readers. */
export function notice(text: string | undefined): SafeHtml {
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}
