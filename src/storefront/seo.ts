import type { EcommercePlatform } from '../platform.js';
import { escapeHtml } from '../web/html.js';
import type { Mount } from '../web/mount.js';
import { categoryPath, productPath } from './format.js';

/** The sitemap protocol's limit per file. */
const MAX_URLS = 50_000;

/** `origin` is the scheme and host; `mount` puts the paths under the shop's mount prefix, if any. */
export async function sitemapXml(platform: EcommercePlatform, origin: string, mount: Mount): Promise<string> {
  const at = (path: string) => origin + mount.url(path);
  const urls: string[] = [at('/'), at('/search')];
  for (const c of await platform.getCategories()) urls.push(at(categoryPath(c.name)));
  let after = 0;
  while (urls.length < MAX_URLS) {
    const page = await platform.catalog.listProducts({ limit: 1000, afterId: after });
    for (const p of page) urls.push(at(productPath(p)));
    if (page.length < 1000) break;
    after = page[page.length - 1]!.id;
  }
  const body = urls
    .slice(0, MAX_URLS)
    .map((u) => `<url><loc>${escapeHtml(u)}</loc></url>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</urlset>\n`;
}

/** Crawlers read only the host's own /robots.txt: under a prefix, the host app serves or merges this one. */
export function robotsTxt(origin: string, mount: Mount): string {
  // The cart and checkout stay crawlable: a crawler only ever sees an empty cart, and Lighthouse's
  // SEO audit (a release gate) counts a blocked page as a failure.
  return ['User-agent: *', `Disallow: ${mount.url('/account')}`, `Disallow: ${mount.url('/api/')}`, `Sitemap: ${origin}${mount.url('/sitemap.xml')}`, ''].join('\n');
}
