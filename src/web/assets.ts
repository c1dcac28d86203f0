import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Mount } from './mount.js';

/** The static files of the pages (CSS, scripts, icons), shipped in the package's public/ folder. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.css', '.js', '.svg', '.txt']);

interface Asset {
  url: string;
  type: string;
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  etag: string;
}

/**
 * Fingerprinted assets: `app.css` is served as `/assets/app.<hash>.css` with
 * `Cache-Control: immutable`, so a browser keeps it until the file changes. Everything is read and
 * compressed once at start; a request costs a map lookup.
 */
export class AssetRegistry {
  private readonly byUrl = new Map<string, Asset>();
  private readonly urlByName = new Map<string, string>();

  /**
   * `mountPath` is where the files are served in the shop (`/assets`); `mount` is the shop's mount in a
   * host app: style sheets' root-relative `url(/…)`s are moved under its prefix (pages' links are
   * rewritten when sent).
   */
  constructor(
    readonly mountPath = '/assets',
    private readonly mount?: Mount,
  ) {}

  /** Adds every file under `dir` (recursively), named by its path relative to `dir`. */
  addDirectory(dir: string, namePrefix = ''): this {
    const walk = (d: string) => {
      for (const entry of readdirSync(d)) {
        const path = join(d, entry);
        if (statSync(path).isDirectory()) walk(path);
        else this.addFile(namePrefix + relative(dir, path).split(sep).join('/'), path);
      }
    };
    walk(dir);
    return this;
  }

  addFile(name: string, path: string): this {
    return this.addContent(name, readFileSync(path));
  }

  /** An asset made at start rather than read from a file (e.g. a theme built from configuration). */
  addText(name: string, text: string): this {
    return this.addContent(name, Buffer.from(text));
  }

  private addContent(name: string, content: Buffer): this {
    const ext = extname(name);
    const body = ext === '.css' && this.mount?.prefix ? Buffer.from(this.mount.css(content.toString('utf8'))) : content;
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
    const url = `${this.mountPath}/${name.slice(0, name.length - ext.length)}.${hash}${ext}`;
    const asset: Asset = { url, type: TYPES[ext] ?? 'application/octet-stream', body, etag: `"${hash}"` };
    if (COMPRESSIBLE.has(ext)) {
      asset.gzip = gzipSync(body, { level: 9 });
      asset.br = brotliCompressSync(body);
    }
    this.byUrl.set(url, asset);
    this.urlByName.set(name, url);
    return this;
  }

  /** The fingerprinted URL of an asset by name; throws for a name that was never added (a typo in a template). */
  url(name: string): string {
    const url = this.urlByName.get(name);
    if (!url) throw new Error(`No asset named ${name}`);
    return url;
  }

  /** Bytes as sent over the wire with gzip (for the page-weight budget tests and benchmarks). */
  gzipSize(name: string): number {
    const asset = this.byUrl.get(this.url(name))!;
    return (asset.gzip ?? asset.body).length;
  }

  /** `GET <mountPath>/*` on the given scope. */
  serve(app: FastifyInstance): void {
    app.get(`${this.mountPath}/*`, { config: { auth: 'public' }, schema: { hide: true } }, (request, reply) => this.send(request, reply));
  }

  private send(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    // By the wildcard, not request.url: under a mount prefix the URL starts with the prefix.
    const asset = this.byUrl.get(`${this.mountPath}/${(request.params as { '*'?: string })['*'] ?? ''}`);
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not found');
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    reply.type(asset.type);
    const accepted = String(request.headers['accept-encoding'] ?? '');
    if (asset.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(asset.br);
    if (asset.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  }
}
