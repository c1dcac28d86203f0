import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminQueries } from '../../src/admin/queries.js';
import { sessionCacheOf } from '../../src/auth/session-cache.js';
import { AuthService } from '../../src/auth/service.js';
import { hashToken, newToken } from '../../src/auth/tokens.js';
import { sessionChannel } from '../../src/db/migrations/015_session_notify.js';
import { buildServer } from '../../src/http/server.js';
import type { App } from '../../src/http/types.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends, openFresh } from '../backends.js';
import { eventually } from '../notifications/fakes.js';

/** Long enough that only a NOTIFY (or a read) can make a cached session go. */
const AUTH = { scryptCost: 1024, sessionCacheMs: 3600_000 };
const PASSWORD = 'correct horse battery';

/**
 * Two platforms on one database stand for two processes: A changes sessions, B authenticates.
 * On PostgreSQL B caches what it read and must still see every revocation made by A; on SQLite
 * nothing is cached and the same checks hold at once.
 */
describe.each(backends)('session cache across processes on $name', (backend) => {
  interface Side {
    platform: EcommercePlatform;
    app: App;
    auth: AuthService;
  }
  let a: Side;
  let b: Side;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    const fresh = await openFresh(backend);
    const second = await EcommercePlatform.open(fresh.url);
    a = {
      platform: fresh.platform,
      app: await buildServer(fresh.platform, { logger: false, authRateLimitPerMin: 10_000, auth: AUTH }),
      auth: new AuthService(fresh.platform.db, AUTH),
    };
    b = { platform: second, app: await buildServer(second, { logger: false, auth: AUTH }), auth: new AuthService(second.db, AUTH) };
    dispose = async () => {
      await b.app.close();
      await second.close();
      await a.app.close();
      await fresh.dispose();
    };
  });
  afterEach(async () => dispose());

  const cached = backend.name === 'postgres';
  let seq = 0;

  async function register(role?: 'admin'): Promise<{ token: string; id: number; email: string }> {
    const email = `cache${process.pid}_${seq++}@example.com`;
    if (role) {
      const customer = await new AuthService(a.platform.db, AUTH).createAdmin({ email, password: PASSWORD });
      return { token: await login(email), id: customer.id, email };
    }
    const r = await a.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, name: 'Cache', password: PASSWORD } });
    expect(r.statusCode).toBe(201);
    return { token: r.json().token, id: r.json().customer.id, email };
  }

  async function login(email: string): Promise<string> {
    const r = await a.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    expect(r.statusCode).toBe(200);
    return r.json().token;
  }

  /** SQL statements one authenticate ran (on B unless told). */
  async function statementsFor(token: string, side = b): Promise<number> {
    const before = side.platform.db.stats.statements;
    await side.auth.authenticate(token);
    return side.platform.db.stats.statements - before;
  }

  /** Authenticates until the session is served from the process's cache (PostgreSQL), or once (SQLite). */
  async function warm(token: string, side = b): Promise<void> {
    expect(await side.auth.authenticate(token)).not.toBeNull();
    if (cached) await eventually(async () => (await statementsFor(token, side)) === 0, 5000, 'the session served from the cache');
  }

  /** Polls B: a revocation reaches it through the NOTIFY within a few seconds (at once on SQLite). */
  async function refusedOnB(token: string): Promise<void> {
    await eventually(async () => (await b.auth.authenticate(token)) === null, 5000, 'B refusing the revoked session');
    const me = await b.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(401);
  }

  it('a cache hit runs no SQL statement, a miss one (PostgreSQL); every use reads on SQLite', async () => {
    const { token } = await register();
    await warm(token);
    expect(await statementsFor(token)).toBe(cached ? 0 : 1);
    const other = await login((await register()).email);
    expect(await statementsFor(other)).toBe(1);
    expect(await statementsFor(newToken())).toBe(1);
  });

  it('a logout on A is refused by B, and by A at once', async () => {
    const { token } = await register();
    await warm(token);
    await warm(token, a);
    const out = await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` } });
    expect(out.statusCode).toBe(204);
    expect(await a.auth.authenticate(token)).toBeNull();
    await refusedOnB(token);
  });

  it('a password reset on A ends every session of the account on B (on A at once); another customer stays cached', async () => {
    const shopper = await register();
    const second = await login(shopper.email);
    const bystander = await register();
    for (const t of [shopper.token, second, bystander.token]) await warm(t);
    await warm(second, a);
    const code = newToken();
    const at = new Date().toISOString();
    await a.platform.db.run(
      `INSERT INTO auth_tokens (token_hash, purpose, customer_id, expires_at, used_at, created_at) VALUES (?, 'password_reset', ?, ?, NULL, ?)`,
      [hashToken(code), shopper.id, new Date(Date.now() + 3600_000).toISOString(), at],
    );
    const reset = await a.app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token: code, password: 'a brand new secret' } });
    expect(reset.statusCode).toBe(204);
    expect(await a.auth.authenticate(second)).toBeNull();
    await refusedOnB(shopper.token);
    await refusedOnB(second);
    expect(await b.auth.authenticate(bystander.token)).toMatchObject({ customerId: bystander.id });
    expect(await statementsFor(bystander.token)).toBe(cached ? 0 : 1);
  });

  it('a role change on A (admin → customer) is seen by B, and by A at once', async () => {
    const admin = await register('admin');
    await warm(admin.token);
    await warm(admin.token, a);
    expect(await b.auth.authenticate(admin.token)).toMatchObject({ role: 'admin' });
    await new AdminQueries(a.platform.db).setRole(admin.id, 'customer');
    expect(await a.auth.authenticate(admin.token)).toMatchObject({ role: 'customer' });
    await eventually(async () => (await b.auth.authenticate(admin.token))?.role === 'customer', 5000, 'B seeing the new role');
    const r = await b.app.inject({ method: 'GET', url: '/api/admin/customers', headers: { authorization: `Bearer ${admin.token}` } });
    expect(r.statusCode).toBe(403);
  });

  it('with its LISTEN connection killed, B reads every session (a logout is seen at once), then caches again once reconnected', async () => {
    const { token } = await register();
    const other = await register();
    await warm(token);
    await warm(other.token);
    if (cached) {
      const killed = await a.platform.db.all<{ killed: boolean }>(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "' || ${sessionChannel('current_schema()')} || '"'`,
      );
      expect(killed.length).toBeGreaterThan(0);
      const cache = sessionCacheOf(b.platform.db)!;
      await eventually(() => !cache.listening, 5000, 'B noticing its listener is gone');
    }
    // No NOTIFY can reach B now: only a read of the database makes B refuse at once.
    const out = await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` } });
    expect(out.statusCode).toBe(204);
    expect(await b.auth.authenticate(token)).toBeNull();
    await warm(other.token);
    expect(await statementsFor(other.token)).toBe(cached ? 0 : 1);
  });
});
