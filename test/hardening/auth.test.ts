import { afterEach, describe, expect, it } from 'vitest';
import { costOf, decoyHash, hashPassword, verifyPassword } from '../../src/auth/password.js';
import { AuthService } from '../../src/auth/service.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('lockout, rehash and idle sessions on $name', (backend) => {
  let s: TestServer;
  afterEach(async () => s.close());

  it('50 parallel wrong passwords: at most 10 are evaluated, the rest are refused by the lockout', async () => {
    s = await startTestServer(backend);
    const shopper = await s.shopper();
    // All 50 are issued in one turn of the event loop: none can see another's outcome first.
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'wrong password' } })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(40);
    const failures = await s.platform.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM login_failures WHERE email = ?', [shopper.email]);
    expect(Number(failures!.n)).toBe(10);
    // The right password is refused too while locked.
    expect((await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'correct horse battery' } })).status).toBe(429);
  });

  it('a login redoes a hash made at another scrypt cost, and the new hash works', async () => {
    s = await startTestServer(backend, { auth: { scryptCost: 2048 } });
    await new AuthService(s.platform.db, { scryptCost: 1024 }).createAdmin({ email: 'old@example.com', password: 'old cost password' });
    const stored = async () => String((await s.platform.query("SELECT password_hash FROM accounts a JOIN customers c ON c.id = a.customer_id WHERE c.email = 'old@example.com'"))[0]!.password_hash);
    expect(costOf(await stored())).toBe(1024);
    expect((await s.call('POST', '/api/auth/login', { body: { email: 'old@example.com', password: 'old cost password' } })).status).toBe(200);
    const rehashed = await stored();
    expect(costOf(rehashed)).toBe(2048);
    expect(await verifyPassword('old cost password', rehashed)).toBe(true);
    expect((await s.call('POST', '/api/auth/login', { body: { email: 'old@example.com', password: 'old cost password' } })).status).toBe(200);
    expect(await stored()).toBe(rehashed); // not redone once it is current
  });

  it('a session unused for the idle time ends; using it keeps it alive up to its lifetime', async () => {
    s = await startTestServer(backend, { auth: { sessionIdleMs: 2000, sessionTtlMs: 60_000 } });
    const shopper = await s.shopper();
    for (let i = 0; i < 2; i++) {
      await sleep(1200);
      expect((await s.call('GET', '/api/me', { token: shopper.token })).status, `use ${i}`).toBe(200);
    }
    // 2.4 s after login: alive only because each use slid the expiry.
    await sleep(2300);
    const idle = await s.call('GET', '/api/me', { token: shopper.token });
    expect(idle.status).toBe(401);
  });
});

describe('scrypt costs', () => {
  it('the decoy hash for unknown emails is made at the configured cost', async () => {
    expect(costOf(await decoyHash(2048))).toBe(2048);
    expect(costOf(await decoyHash(4096))).toBe(4096);
  });

  it('a cost of 131072 hashes and verifies (the memory limit follows the cost)', async () => {
    const hash = await hashPassword('expensive password', 131072);
    expect(costOf(hash)).toBe(131072);
    expect(await verifyPassword('expensive password', hash)).toBe(true);
  });
});
