import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTimeouts } from '../../src/http/server.js';
import { backends } from '../backends.js';
import { startTestServer, tableCounts, type TestServer } from '../http/helpers.js';

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote before closing. */
function rawRequest(url: string, data: string | ((socket: import('node:net').Socket) => void)): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => (typeof data === 'string' ? socket.write(data) : data(socket)));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(out) : reject(e)));
    socket.on('close', () => resolve(out));
  });
}

function parseRaw(response: string): { status: number; headers: Record<string, string>; body: { error?: { code: string; message: string } } } {
  const [head, ...rest] = response.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n\r\n')) as never };
}

/** Every answer the server gives, framework errors included, is `{error:{code,message}}` with a request id. */
describe.each(backends)('framework errors on $name', (backend) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer(backend, { timeouts: { requestMs: 600, headersMs: 400, keepAliveMs: 300 } });
    admin = (await s.admin()).token;
  });
  afterAll(async () => s.close());

  const shaped = (r: { status: number; headers: Headers; body: { error?: { code: string; message: string } } }, status: number, code: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(r.body.error).toEqual({ code, message: expect.any(String) });
    expect(r.headers.get('x-request-id')).toMatch(/^[\w.:-]+$/);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  };

  it('a path parameter over the limit is a 414, bad percent-encoding a 400, an unknown route a 404', async () => {
    const before = await tableCounts(s.platform);
    shaped(await s.call('GET', `/api/admin/customers/${'x'.repeat(250)}`, { token: admin }), 414, 'uri_too_long');
    shaped(await s.call('PATCH', `/api/products/${'9'.repeat(250)}`, { token: admin, body: { name: 'x' } }), 414, 'uri_too_long');
    shaped(await s.call('GET', '/api/products/%E0%A4%A'), 400, 'validation_failed');
    shaped(await s.call('GET', '/api/nothing/here'), 404, 'not_found');
    const withId = await s.call('GET', '/api/products/%E0%A4%A', { headers: { 'x-request-id': 'trace-42' } });
    expect(withId.headers.get('x-request-id')).toBe('trace-42');
    expect(await tableCounts(s.platform)).toEqual(before);
  });

  it('oversized headers are a 431, a malformed request line a 400, both in the shape with a request id', async () => {
    const big = parseRaw(await rawRequest(s.url, `GET /api/products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(big.status).toBe(431);
    expect(big.body).toEqual({ error: { code: 'headers_too_large', message: expect.any(String) } });
    expect(big.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const garbage of ['NOT A REQUEST\r\n\r\n', 'GET /api/products HTTP/9.9\r\n\r\n', 'GET /api/products HTTP/1.1\r\nHost x\r\n\r\n']) {
      const bad = parseRaw(await rawRequest(s.url, garbage));
      expect(bad.status, garbage).toBe(400);
      expect(bad.body).toEqual({ error: { code: 'validation_failed', message: expect.any(String) } });
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('a request that arrives too slowly is a 408 in the shape (slowloris)', async () => {
    const slow = await rawRequest(s.url, (socket) => {
      socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em');
      // Keep trickling bytes, never finishing: only the request deadline can end this.
      const drip = setInterval(() => socket.writable && socket.write('a'), 100);
      socket.on('close', () => clearInterval(drip));
    });
    const r = parseRaw(slow);
    expect(r.status).toBe(408);
    expect(r.body).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const idle = parseRaw(await rawRequest(s.url, 'GET /api/products HTTP/1.1\r\nHost: x\r\n'));
    expect(idle.status).toBe(408);
  });

  it('an idle keep-alive connection is closed after keepAliveMs; the defaults are never 0 (no slowloris)', async () => {
    const t0 = performance.now();
    const answer = await rawRequest(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(performance.now() - t0).toBeLessThan(20_000); // closed by the server (keepAliveMs 300 here), not left open
    const defaults = httpTimeouts();
    expect(defaults).toEqual({ requestMs: 30_000, headersMs: 10_000, connectionMs: 120_000, keepAliveMs: 72_000 });
    expect(s.app.server.requestTimeout).toBe(600);
    expect(s.app.server.headersTimeout).toBe(400);
  });

  it('multipart is accepted only by the upload route; everywhere else it is a 415 and writes nothing', async () => {
    const shopper = await s.shopper();
    const product = (await s.call('POST', '/api/products', { token: admin, body: { name: 'Multi', price: 5, stock: 3 } })).body.product;
    expect((await s.call('POST', '/api/cart/items', { token: shopper.token, body: { productId: product.id, quantity: 1 } })).status).toBeLessThan(300);
    const before = await tableCounts(s.platform);
    const form = () => {
      const f = new FormData();
      f.set('productId', String(product.id));
      f.set('quantity', '1');
      return f;
    };
    for (const [path, token] of [
      ['/api/orders', shopper.token],
      ['/api/cart/items', shopper.token],
      ['/api/products', admin],
      ['/api/auth/login', undefined],
    ] as const) {
      const res = await fetch(s.url + path, { method: 'POST', body: form(), headers: token ? { authorization: `Bearer ${token}` } : {} });
      const body = (await res.json()) as { error?: { code: string } };
      expect(res.status, path).toBe(415);
      expect(body.error?.code, path).toBe('unsupported_media_type');
    }
    expect(await tableCounts(s.platform)).toEqual(before);
  });
  it('on a shop path the same framework errors are the shop\'s HTML error page with the right status; the API keeps JSON', async () => {
    const before = await tableCounts(s.platform);
    const page = async (method: string, path: string, init: RequestInit = {}) => {
      // A browser: it asks for HTML (fetch alone sends */* and gets the JSON shape, as an API client).
      const res = await fetch(s.url + path, { method, ...init, headers: { accept: 'text/html', ...(init.headers as Record<string, string> | undefined) } });
      const body = await res.text();
      expect(res.headers.get('content-type'), `${method} ${path}`).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(res.headers.get('x-request-id'), path).toMatch(/^[\w.:-]+$/);
      expect(body, path).toMatch(/<h1>[^<]+<\/h1>/);
      expect(body, path).toContain('Back to the shop');
      return { status: res.status, body };
    };
    expect((await page('GET', '/product/%E0%A4%A')).status).toBe(400);
    expect((await page('GET', `/product/${'9'.repeat(250)}/x`)).status).toBe(414);
    expect((await page('GET', '/category/%E0%A4%A')).status).toBe(400);
    expect((await page('POST', '/no/such/form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' })).status).toBe(404);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await page('POST', '/cart/add', { headers: form, body: `a=${'x'.repeat(70_000)}` })).status).toBe(413);
    expect((await page('POST', '/cart/add', { headers: { 'content-type': 'text/plain' }, body: 'productId=1' })).status).toBe(415);
    expect((await page('POST', '/cart/add', { headers: { 'content-type': 'application/json' }, body: '{"productId":' })).status).toBe(400);
    const multipart = new FormData();
    multipart.set('productId', '1');
    expect((await page('POST', '/signin', { body: multipart })).status).toBe(415);
    // The admin panel answers with its own page (no shop chrome, never cached).
    for (const [method, path, init, status] of [
      ['GET', '/admin/orders/%E0%A4%A', {}, 400],
      ['POST', '/admin/sign-in', { headers: form, body: `a=${'x'.repeat(70_000)}` }, 413],
      ['POST', '/admin/no/such/form', { headers: form, body: 'a=1' }, 404],
    ] as const) {
      const res = await fetch(s.url + path, { method, ...init, headers: { accept: 'text/html', ...('headers' in init ? init.headers : {}) } });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(await res.text(), path).toMatch(/<a href="\/admin">/);
    }
    // The API keeps its JSON shape for the same mistakes.
    shaped(await s.call('GET', '/api/products/%E0%A4%A'), 400, 'validation_failed');
    shaped(await s.call('POST', '/api/no/such/route', { body: {} }), 404, 'not_found');
    expect(await tableCounts(s.platform)).toEqual(before);
  });
});
