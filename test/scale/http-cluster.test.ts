import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends, sqlite, type Backend } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { alive, freePort, spawnServe, type ServeProcess } from './serve-process.js';

const SHOPPERS = 100;
const STOCK = 30;

interface Reply {
  status: number;
  body: { token?: string; error?: { code: string }; order?: { id: number } } & Record<string, unknown>;
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Reply['body']) : {} };
}

describe.each(backends)('serve --workers on one $name database', (backend: Backend) => {
  // Four processes on Postgres; two on one SQLite file (they take turns on its write lock).
  const workers = backend.name === 'postgres' ? 4 : 2;
  let serve: ServeProcess | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      for (const l of serve.logs) if (l.msg === 'worker started' && l.worker && alive(l.worker)) process.kill(l.worker, 'SIGKILL');
    }
    await cleanup?.();
  });

  it(`${SHOPPERS} shoppers over HTTP race for stock ${STOCK} across ${workers} server processes: exactly ${STOCK} orders`, async () => {
    const created = await backend.create();
    cleanup = created.cleanup;
    const setup = await EcommercePlatform.open(created.url);
    const productId = await setup.addProduct({ name: 'Limited edition', price: 49.99, stock: STOCK });
    await setup.close();

    const port = await freePort();
    serve = spawnServe(['--workers', String(workers), '--port', String(port), '--db', created.url], { PGPOOL_MAX: '4' });
    const ready = await serve.waitFor((l) => l.msg === 'cluster listening');
    const url = ready.url!;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const workerPids = serve.logs.filter((l) => l.msg === 'worker started').map((l) => l.worker!);
    expect(new Set(workerPids).size).toBe(workers);

    // Everyone registers and fills a cart first, so the race is decided at checkout.
    const tokens = await Promise.all(
      Array.from({ length: SHOPPERS }, async (_, i) => {
        const r = await call(url, 'POST', '/api/auth/register', undefined, { email: `racer${i}@example.com`, name: `Racer ${i}`, password: 'correct horse battery' });
        expect(r.status).toBe(201);
        return r.body.token!;
      }),
    );
    const carts = await Promise.all(tokens.map((t) => call(url, 'POST', '/api/cart/items', t, { productId, quantity: 1 })));
    expect(carts.map((r) => r.status)).toEqual(Array(SHOPPERS).fill(200));
    const checkouts = await Promise.all(tokens.map((t) => call(url, 'POST', '/api/orders', t, {})));

    const statuses = checkouts.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(STOCK);
    expect(statuses.filter((s) => s === 409)).toHaveLength(SHOPPERS - STOCK);
    for (const r of checkouts.filter((c) => c.status === 409)) expect(r.body.error?.code).toBe('insufficient_stock');
    // Sessions live in the database: every process served requests of shoppers others registered.
    const servedBy = new Set(serve.logs.filter((l) => l.msg === 'request' || l.msg === 'request completed').map((l) => l.pid));
    expect(servedBy.size).toBe(workers);

    const check = await EcommercePlatform.open(created.url);
    try {
      expect((await check.getProduct(productId))?.stock).toBe(0);
      expect(await check.query('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: STOCK }]);
      await assertLedgerInvariant(check);
    } finally {
      await check.close();
    }

    // A worker that dies is replaced, and the cluster keeps answering.
    process.kill(workerPids[0]!, 'SIGKILL');
    await serve.waitFor((l) => l.msg === 'worker started' && !workerPids.includes(l.worker!));
    expect((await call(url, 'GET', '/readyz')).status).toBe(200);

    // SIGTERM on the primary drains every worker and exits cleanly.
    const all = serve.logs.filter((l) => l.msg === 'worker started').map((l) => l.worker!);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await serve.waitFor((l) => l.msg === 'all workers stopped', 1000);
    for (const pid of all) expect(alive(pid)).toBe(false);
  }, 300_000);
});

describe('serve --workers when workers cannot start', () => {
  it('gives up with exit code 1 after 5 workers in a row fail before listening (here: the port is taken)', async () => {
    const { url, cleanup } = await sqlite.create();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const serve = spawnServe(['--workers', '1', '--port', String(port), '--db', url], {});
      expect(await serve.exited).toBe(1);
      expect(serve.logs.filter((l) => l.msg === 'worker started')).toHaveLength(5);
      expect(serve.logs.some((l) => l.msg === '5 workers in a row failed to start; stopping')).toBe(true);
    } finally {
      blocker.close();
      await cleanup();
    }
  }, 300_000);
});
