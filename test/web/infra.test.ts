import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetRegistry } from '../../src/web/assets.js';
import { csrfInput, csrfTokenOf, verifyCsrf } from '../../src/web/csrf.js';
import { acceptForms, field, fields, formOf } from '../../src/web/form.js';
import { html } from '../../src/web/html.js';
import { contentSecurityPolicy, redirectAfterPost, sendPage } from '../../src/web/page.js';

/** The page building blocks on a bare Fastify app: forms only where accepted, CSRF, assets, headers. */
describe('web infrastructure', () => {
  let app: FastifyInstance;
  const dir = mkdtempSync(join(tmpdir(), 'sk-assets-'));
  writeFileSync(join(dir, 'app.css'), 'body{color:red}'.repeat(200));
  const assets = new AssetRegistry().addDirectory(dir);

  beforeAll(async () => {
    app = Fastify();
    app.removeContentTypeParser(['text/plain']);
    app.post('/api/thing', async () => ({ ok: true }));
    await app.register(async (scope) => {
      acceptForms(scope);
      scope.get('/page', async (request, reply) => {
        const token = csrfTokenOf(request, reply, null, '/');
        return sendPage(request, reply, html`<form method="post" action="/page">${csrfInput(token)}<p>${'<b>'.repeat(400)}</p></form>`);
      });
      scope.post('/page', async (request, reply) => {
        verifyCsrf(request, null);
        const form = formOf(request.body);
        return redirectAfterPost(reply, `/done?q=${encodeURIComponent(field(form, 'q'))}&n=${fields(form, 'tag').length}`);
      });
    });
    assets.serve(app);
    app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => reply.code(err.statusCode ?? 403).send({ error: err.message }));
  });
  afterAll(() => app.close());

  it('renders pages with a strict CSP, no-store and gzip', async () => {
    const res = await app.inject({ url: '/page', headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toContain('&lt;b&gt;');
  });

  it('accepts a form with the matching CSRF token and refuses one without, or from another site', async () => {
    const page = await app.inject({ url: '/page' });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const ok = await app.inject({
      method: 'POST',
      url: '/page',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}&q=a%20b&tag=x&tag=y`,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/done?q=a%20b&n=2');
    const missing = await app.inject({ method: 'POST', url: '/page', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'q=1' });
    expect(missing.statusCode).toBe(403);
    const crossSite = await app.inject({
      method: 'POST',
      url: '/page',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: `_csrf=${token}`,
    });
    expect(crossSite.statusCode).toBe(403);
    const otherOrigin = await app.inject({
      method: 'POST',
      url: '/page',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: `_csrf=${token}`,
    });
    expect(otherOrigin.statusCode).toBe(403);
  });

  it('keeps form bodies away from routes outside the page scope', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/thing', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(res.statusCode).toBe(415);
  });

  it('serves fingerprinted assets immutable and compressed, with 304 for the same ETag', async () => {
    const url = assets.url('app.css');
    expect(url).toMatch(/^\/assets\/app\.[\w-]{12}\.css$/);
    const res = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(assets.gzipSize('app.css')).toBe(res.rawPayload.length);
    const again = await app.inject({ url, headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: '/assets/app.nothash.css' })).statusCode).toBe(404);
    expect(() => assets.url('nope.css')).toThrow();
  });
});
