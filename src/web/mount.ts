import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The shop mounted under a path (`/shop`) inside a host app. Pages, redirects and cookies are written
 * as if the shop were at the root (`href="/cart"`, `Location: /admin/orders`, `Path=/`); this one
 * place moves every root-relative URL they emit under the prefix, so no page has to remember to
 * (docs/INTEGRATION.md). Safe on our HTML because the `html` template escapes every interpolated
 * value: a `"` inside an attribute or text can only come from our own templates.
 */
export class Mount {
  /** First path segments of the shop's own routes (`cart`, `admin`, …), filled as routes register. */
  private readonly segments = new Set<string>();
  private readonly firstSegment: string;

  /** `prefix` without a trailing slash; '' at the root, where nothing is rewritten. */
  constructor(readonly prefix: string) {
    this.firstSegment = prefix.split('/')[1] ?? '';
  }

  noteRoute(localPath: string): void {
    this.segments.add(localPath.split('/')[1] ?? '');
  }

  /**
   * A root-relative URL under the prefix: `/cart` → `/shop/cart`. Absolute (`https:`), protocol-relative
   * (`//cdn`), relative (`?page=2`) and fragment URLs are left alone, and so is one already under the
   * prefix (an `IMAGE_PUBLIC_URL` of `/shop/images/`) unless the shop has its own route there.
   */
  url(url: string): string {
    if (!this.prefix || url[0] !== '/' || url[1] === '/' || url[1] === '\\') return url;
    if ((url === this.prefix || url.startsWith(`${this.prefix}/`) || url.startsWith(`${this.prefix}?`)) && !this.segments.has(this.firstSegment)) {
      return url;
    }
    return this.prefix + url;
  }

  /** The request's path and query as the shop's routes see them, without the prefix (for `next=` and canonical checks). */
  localUrl(request: FastifyRequest): string {
    const url = request.url;
    if (!this.prefix || !url.startsWith(this.prefix)) return url;
    const rest = url.slice(this.prefix.length);
    return rest === '' || rest[0] === '?' ? `/${rest}` : rest;
  }

  /** Every root-relative URL in the URL attributes of a page (and `content` of og:url/og:image). */
  html(markup: string): string {
    if (!this.prefix) return markup;
    return markup
      .replace(URL_ATTRIBUTE, (whole, before: string, value: string) => `${before}"${this.url(value)}"`)
      .replace(SRCSET, (whole, before: string, value: string) => `${before}"${this.srcset(value)}"`)
      .replace(OG_URL, (whole, before: string, value: string) => `${before}"${this.url(value)}"`);
  }

  /** `url(/…)` in a style sheet. */
  css(text: string): string {
    if (!this.prefix) return text;
    return text.replace(/url\(\s*(["']?)(\/[^"')]*)\1\s*\)/g, (whole, quote: string, value: string) => `url(${quote}${this.url(value)}${quote})`);
  }

  /** A Set-Cookie value's `Path=`: `/` → `/shop`, `/admin` → `/shop/admin`. */
  cookie(header: string): string {
    if (!this.prefix) return header;
    return header.replace(/(;\s*Path=)(\/[^;]*)/i, (whole, before: string, path: string) => before + (path === '/' ? this.prefix : this.url(path)));
  }

  private srcset(value: string): string {
    return value
      .split(',')
      .map((candidate) => candidate.replace(/^(\s*)(\S+)/, (whole, space: string, url: string) => space + this.url(url)))
      .join(',');
  }
}

// Double-quoted, as every template writes attributes; a value starting with one `/` only.
const URL_ATTRIBUTE = /(\s(?:href|src|action|formaction|poster|data|cite|background|manifest|data-href|data-url|data-action)=)"(\/(?![/\\])[^"]*)"/gi;
const SRCSET = /(\s(?:srcset|imagesrcset)=)"([^"]*)"/gi;
const OG_URL = /(<meta\s+(?:property|name)="(?:og:url|og:image|og:image:url|og:image:secure_url|og:video|og:audio|twitter:image)"\s+content=)"(\/(?![/\\])[^"]*)"/gi;

/** The mount of the shop this request reached (the root mount outside any shop scope). */
export function mountOf(request: FastifyRequest): Mount {
  return (request.server as FastifyInstance & { settings?: { mount?: Mount } }).settings?.mount ?? ROOT;
}

const ROOT = new Mount('');

/**
 * Under a prefix: Location headers and Set-Cookie paths of every reply of the shop's scope, and HTML
 * sent as a string (pages sent with `sendPage` are rewritten there, before compression).
 */
export function installMountRewriting(app: FastifyInstance, mount: Mount): void {
  if (!mount.prefix) return;
  app.addHook('onRoute', (route) => mount.noteRoute(route.url.slice(mount.prefix.length)));
  app.addHook('onSend', async (_request, reply: FastifyReply, payload) => {
    const location = reply.getHeader('location');
    if (typeof location === 'string') reply.header('location', mount.url(location));
    const cookies = reply.getHeader('set-cookie');
    if (cookies !== undefined) {
      const list = Array.isArray(cookies) ? cookies.map(String) : [String(cookies)];
      reply.removeHeader('set-cookie');
      reply.header('set-cookie', list.map((c) => mount.cookie(c)));
    }
    if (typeof payload === 'string' && /^text\/html/i.test(String(reply.getHeader('content-type') ?? ''))) return mount.html(payload);
    return payload;
  });
}
