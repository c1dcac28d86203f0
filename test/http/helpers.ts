import { AuthService } from '../../src/auth/service.js';
import { buildServer, type ServerOptions } from '../../src/http/server.js';
import type { App } from '../../src/http/types.js';
import type { EcommercePlatform } from '../../src/index.js';
import { openFresh, type Backend } from '../backends.js';
import { snapshot } from '../core/fixture.js';

export interface Reply<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read loosely; each assertion states the shape it expects.
export type Json = any;

export interface Call {
  token?: string;
  body?: unknown;
  /** Sent verbatim instead of JSON.stringify(body). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  app: App;
  platform: EcommercePlatform;
  call<T = Json>(method: string, path: string, options?: Call): Promise<Reply<T>>;
  /** Registers a customer over HTTP; returns its token and id. */
  shopper(name?: string): Promise<{ token: string; id: number; email: string; csrfToken: string }>;
  /** An admin account (made through the library, as the CLI does), signed in over HTTP. */
  admin(): Promise<{ token: string; id: number }>;
  close(): Promise<void>;
}

let seq = 0;

/** A real server on a random port over a fresh database of the backend. */
export async function startTestServer(backend: Backend, options: ServerOptions = {}): Promise<TestServer> {
  const { platform, dispose } = await openFresh(backend);
  // A cheap scrypt cost keeps a hundred registrations quick; the default cost is covered in test/http/password.test.ts.
  const auth = { scryptCost: 1024, ...options.auth };
  const app = await buildServer(platform, { logger: false, authRateLimitPerMin: 10_000, ...options, auth });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async <T = Json>(method: string, path: string, o: Call = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const res = await fetch(address + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* not JSON: the test sees the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  const server: TestServer = {
    url: address,
    app,
    platform,
    call,
    async shopper(name = 'Shopper') {
      const email = `shopper${process.pid}_${seq++}@example.com`;
      const r = await call('POST', '/api/auth/register', { body: { email, name, password: 'correct horse battery' } });
      if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { token: r.body.token, id: r.body.customer.id, email, csrfToken: r.body.csrfToken };
    },
    async admin() {
      const email = `admin${seq++}@example.com`;
      const customer = await new AuthService(platform.db, auth).createAdmin({ email, password: 'admin password 1' });
      const r = await call('POST', '/api/auth/login', { body: { email, password: 'admin password 1' } });
      if (r.status !== 200) throw new Error(`admin login failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { token: r.body.token, id: customer.id };
    },
    async close() {
      await app.close();
      await dispose();
    },
  };
  return server;
}

/**
 * Every row of every table (the schema's own list) plus the total stock, to prove a refused request
 * wrote nothing. The name is historical: it compares rows, not only their counts.
 */
export async function tableCounts(platform: EcommercePlatform): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = await snapshot(platform);
  const stock = await platform.query('SELECT COALESCE(SUM(stock), 0) AS s FROM products');
  out.totalStock = Number(stock[0]!.s);
  return out;
}
