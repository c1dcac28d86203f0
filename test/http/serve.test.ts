import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('storekeeper serve', () => {
  it('starts from the environment, serves, and on SIGTERM finishes in-flight requests, closes the database and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0'], {
      env: { ...process.env, DATABASE_URL: join(dir, 'shop.db'), LOG_LEVEL: 'info', ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'ops password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let log = '';
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          log += d.toString();
          const m = /"msg":"Server listening at (http:\/\/[^"]+)"/.exec(log);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${log}`)));
      });
      const products = await (await fetch(`${url}/api/products`)).json();
      expect(products.items.length).toBeGreaterThan(0); // the demo catalog
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ops@example.com', password: 'ops password' }),
      });
      expect((await login.json()).role).toBe('admin');

      const inFlight = fetch(`${url}/api/categories`);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(await exited).toBe(0);
      expect(log).toContain('"msg":"closed"');
      expect(log).toMatch(/"reqId":"[0-9a-f-]{36}"/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
