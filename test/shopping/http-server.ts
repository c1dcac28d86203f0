import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthService } from '../../src/auth/service.js';
import { buildServer } from '../../src/http/server.js';
import { EcommercePlatform } from '../../src/index.js';
import type { Backend } from '../backends.js';
import type { Json } from '../http/helpers.js';

export interface Shop {
  url: string;
  platform: EcommercePlatform;
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: Json; headers: Headers }>;
  shopper(): Promise<{ token: string; id: number }>;
  admin(): Promise<{ token: string; id: number }>;
  close(): Promise<void>;
}

let seq = 0;

/** A real server on a random port over a fresh database, its images in a temp dir of its own. */
export async function startShop(backend: Backend): Promise<Shop> {
  const db = await backend.create();
  const imageDir = mkdtempSync(join(tmpdir(), 'sk-http-images-'));
  const platform = await EcommercePlatform.open(db.url, { imageDir });
  const app = await buildServer(platform, { logger: false, authRateLimitPerMin: 10_000 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const call: Shop['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    let body: Json = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    url,
    platform,
    call,
    async shopper() {
      const r = await call('POST', '/api/auth/register', { body: { email: `shop${process.pid}_${seq++}@example.com`, name: 'Shopper', password: 'correct horse battery' } });
      if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { token: r.body.token, id: r.body.customer.id };
    },
    async admin() {
      const email = `boss${seq++}@example.com`;
      const customer = await new AuthService(platform.db).createAdmin({ email, password: 'admin password 1' });
      const r = await call('POST', '/api/auth/login', { body: { email, password: 'admin password 1' } });
      if (r.status !== 200) throw new Error(`admin login failed: ${r.status}`);
      return { token: r.body.token, id: customer.id };
    },
    async close() {
      await app.close();
      await platform.close();
      await db.cleanup();
      rmSync(imageDir, { recursive: true, force: true });
    },
  };
}
