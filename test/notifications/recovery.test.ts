import { afterEach, describe, expect, it } from 'vitest';
import { backends, type Backend } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';
import { eventually, textPart } from './fakes.js';

const FAST = { pollMs: 20, leaseMs: 2_000, retryScheduleMs: [40, 40], allowPrivate: true };

describe.each(backends)('password reset and email confirmation over HTTP on $name', (backend: Backend) => {
  let s: TestServer;
  afterEach(async () => s.close());

  async function start() {
    s = await startTestServer(backend);
    const admin = await s.admin();
    s.platform.startJobs({ ...FAST, mail: { mailboxDir: `${s.platform.target}.mailbox`, shopName: 'Test Shop' } });
    return admin;
  }

  /** The newest message to `to` with `subject`, through the admin mailbox API. */
  async function mailTo(admin: { token: string }, to: string, subject: string, count = 1): Promise<string[]> {
    let found: Array<{ id: number }> = [];
    await eventually(
      async () => {
        const list = (await s.call('GET', '/api/admin/mailbox', { token: admin.token })).body.messages as Array<{ id: number; to: string; subject: string }>;
        found = list.filter((m) => m.to === to && m.subject === subject);
        return found.length >= count;
      },
      20_000,
      `${count} × "${subject}" to ${to}`,
    );
    return Promise.all(
      found.map(async (m) => {
        const raw = await s.call('GET', `/api/admin/mailbox/${m.id}`, { token: admin.token });
        expect(raw.headers.get('content-type')).toContain('message/rfc822');
        return textPart(raw.body as string);
      }),
    );
  }
  const codeIn = (text: string) => /^([A-Za-z0-9_-]{43})$/m.exec(text)?.[1];

  it('reset end to end: the same 202 for an unknown address, a one-time code by email, every session ended, used and expired codes refused', async () => {
    const admin = await start();
    const shopper = await s.shopper('Rita');
    const known = await s.call('POST', '/api/auth/password-reset', { body: { email: shopper.email } });
    const unknown = await s.call('POST', '/api/auth/password-reset', { body: { email: 'nobody@example.com' } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    expect(unknown.headers.get('content-length')).toBe(known.headers.get('content-length'));

    const [text] = await mailTo(admin, shopper.email, 'Test Shop: reset your password');
    const code = codeIn(text!)!;
    expect(code).toBeDefined();
    const stored = await s.platform.query("SELECT token_hash FROM auth_tokens WHERE purpose = 'password_reset'");
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toBe(code);
    // No message of any kind was made for the unknown address.
    expect(await s.platform.query("SELECT COUNT(*) AS n FROM notifications WHERE recipient = 'nobody@example.com'")).toEqual([{ n: 0 }]);

    const second = await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'correct horse battery' } });
    expect(second.status).toBe(200);
    const done = await s.call('POST', '/api/auth/password-reset/confirm', { body: { token: code, password: 'a brand new secret' } });
    expect(done.status).toBe(204);
    expect((await s.call('GET', '/api/me', { token: shopper.token })).status).toBe(401);
    expect((await s.call('GET', '/api/me', { token: second.body.token })).status).toBe(401);
    expect((await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'correct horse battery' } })).status).toBe(401);
    expect((await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'a brand new secret' } })).status).toBe(200);

    const reused = await s.call('POST', '/api/auth/password-reset/confirm', { body: { token: code, password: 'yet another secret' } });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('token_invalid');
    expect((await s.call('POST', '/api/auth/password-reset/confirm', { body: { token: 'x'.repeat(43), password: 'yet another secret' } })).body.error.code).toBe('token_invalid');

    // An expired code: ask again, then age the stored token past its hour.
    await s.call('POST', '/api/auth/password-reset', { body: { email: shopper.email } });
    const fresh = (await mailTo(admin, shopper.email, 'Test Shop: reset your password', 2)).map(codeIn).find((c) => c !== code)!;
    await s.platform.db.run("UPDATE auth_tokens SET expires_at = ? WHERE purpose = 'password_reset' AND used_at IS NULL", [new Date(Date.now() - 1000).toISOString()]);
    const expired = await s.call('POST', '/api/auth/password-reset/confirm', { body: { token: fresh, password: 'yet another secret' } });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe('token_invalid');
    expect((await s.call('POST', '/api/auth/login', { body: { email: shopper.email, password: 'a brand new secret' } })).status).toBe(200);
  });

  it('an unknown address takes about as long as a known one (same order of magnitude)', async () => {
    await start();
    const shopper = await s.shopper('Tim');
    const time = async (email: string) => {
      const t = performance.now();
      expect((await s.call('POST', '/api/auth/password-reset', { body: { email } })).status).toBe(202);
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await time(shopper.email));
      unknown.push(await time(`ghost${i}@example.com`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const ratio = median(known) / median(unknown);
    expect(ratio).toBeGreaterThan(0.1);
    expect(ratio).toBeLessThan(10);
  });

  it('the welcome email carries the confirmation code; confirm-email sets email_verified_at once', async () => {
    const admin = await start();
    const shopper = await s.shopper('Vera');
    const [text] = await mailTo(admin, shopper.email, 'Welcome to Test Shop');
    expect(text).toContain('Hello Vera');
    const code = codeIn(text!)!;
    const ok = await s.call('POST', '/api/auth/confirm-email', { body: { token: code } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ customerId: shopper.id, emailVerifiedAt: expect.any(String) });
    const [row] = await s.platform.query(`SELECT email_verified_at FROM customers WHERE id = ${shopper.id}`);
    expect(row!.email_verified_at).toBe(ok.body.emailVerifiedAt);
    const again = await s.call('POST', '/api/auth/confirm-email', { body: { token: code } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('token_invalid');

    const sent = await s.call('GET', '/api/admin/notifications?status=sent&kind=email', { token: admin.token });
    expect(sent.status).toBe(200);
    expect(sent.body.notifications.map((n: { eventType: string }) => n.eventType)).toContain('customer.registered');
    expect((await s.call('GET', '/api/admin/notifications?status=bogus', { token: admin.token })).status).toBe(400);
  });
});
