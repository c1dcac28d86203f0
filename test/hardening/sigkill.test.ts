import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prng } from '../../src/catalog/seed.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends, type Backend } from '../backends.js';
import { assertLedgerInvariant } from '../invariants.js';
import { freePort, spawnServe } from '../scale/serve-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every acknowledged order is there with its lines, and stock equals the ledger. */
async function checkAfterCrash(url: string, acknowledged: number[], productId: number, stock: number): Promise<void> {
  const p = await EcommercePlatform.open(url);
  try {
    for (const id of acknowledged) {
      const order = await p.getOrder(id);
      expect(order, `acknowledged order ${id}`).not.toBeNull();
      expect(order!.items.length, `order ${id} lines`).toBeGreaterThan(0);
    }
    await assertLedgerInvariant(p);
    const sold = await p.query(`SELECT COALESCE(SUM(quantity), 0) AS n FROM order_items WHERE product_id = ${productId}`);
    expect((await p.getProduct(productId))!.stock).toBe(stock - Number(sold[0]!.n));
  } finally {
    await p.close();
  }
}

describe.each(backends)('SIGKILL under checkout load on $name', (backend: Backend) => {
  const rand = prng(backend.name === 'sqlite' ? 14 : 41);
  const STOCK = 1_000_000;

  it('a library process killed at random moments mid-batch loses no acknowledged order', async () => {
    const target = await backend.create();
    try {
      const setup = await EcommercePlatform.open(target.url);
      const productId = await setup.addProduct({ name: 'Load', price: 3.5, stock: STOCK });
      await setup.close();
      const worker = fileURLToPath(new URL('./kill-worker.ts', import.meta.url));
      for (let round = 0; round < 5; round++) {
        const acknowledged: number[] = [];
        const child = fork(worker, [target.url, String(productId), `lib${round}`], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const exited = new Promise((r) => child.on('exit', r));
        const first = new Promise<void>((resolve) => child.on('message', (m: { order: number }) => (acknowledged.push(m.order), resolve())));
        await first;
        await sleep(10 + Math.floor(rand() * 300));
        child.kill('SIGKILL');
        await exited;
        expect(acknowledged.length, `round ${round}`).toBeGreaterThan(0);
        await checkAfterCrash(target.url, acknowledged, productId, STOCK);
      }
    } finally {
      await target.cleanup();
    }
  }, 120_000);

  it('a server process killed at random moments under HTTP checkouts loses no acknowledged order', async () => {
    const target = await backend.create();
    try {
      const setup = await EcommercePlatform.open(target.url);
      const productId = await setup.addProduct({ name: 'Load', price: 3.5, stock: STOCK });
      await setup.close();
      for (let round = 0; round < 3; round++) {
        const port = await freePort();
        const serve = spawnServe(['--port', String(port), '--db', target.url], { PGPOOL_MAX: '4', LOG_LEVEL: 'info' });
        await serve.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening'), 60_000);
        const base = `http://127.0.0.1:${port}`;
        const acknowledged: number[] = [];
        let killed = false;
        let firstAck!: () => void;
        const first = new Promise<void>((r) => (firstAck = r));
        const shopper = async (i: number) => {
          for (let n = 0; !killed; n++) {
            try {
              const reg = await fetch(`${base}/api/auth/register`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ email: `http${round}-${i}-${n}@example.com`, name: 'Load', password: 'correct horse battery' }),
              });
              const { token } = (await reg.json()) as { token: string };
              const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
              await fetch(`${base}/api/cart/items`, { method: 'POST', headers: auth, body: JSON.stringify({ productId, quantity: 1 + (n % 2) }) });
              const res = await fetch(`${base}/api/orders`, { method: 'POST', headers: { authorization: auth.authorization } });
              if (res.status === 201) {
                acknowledged.push(((await res.json()) as { order: { id: number } }).order.id);
                firstAck();
              }
            } catch {
              return; // the server is gone: this client stops
            }
          }
        };
        const clients = Array.from({ length: 12 }, (_, i) => shopper(i));
        await first;
        await sleep(20 + Math.floor(rand() * 400));
        serve.child.kill('SIGKILL');
        killed = true;
        await serve.exited;
        await Promise.all(clients);
        expect(acknowledged.length, `round ${round}`).toBeGreaterThan(0);
        await checkAfterCrash(target.url, acknowledged, productId, STOCK);
      }
    } finally {
      await target.cleanup();
    }
  }, 180_000);
});
