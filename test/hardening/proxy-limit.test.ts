import { afterEach, describe, expect, it } from 'vitest';
import { clientKey, RateLimiter } from '../../src/auth/rate-limit.js';
import { parseTrustProxy, type TrustProxy } from '../../src/http/server.js';
import { backends } from '../backends.js';
import { startTestServer, type TestServer } from '../http/helpers.js';

/** The per-IP login limit cannot be dodged by writing X-Forwarded-For; it keys IPv6 by /64 and is bounded. */
describe.each(backends)('the per-IP limit behind proxies on $name', (backend) => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const login = (xff: string) =>
    s!.call('POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'wrong password' }, headers: { 'x-forwarded-for': xff } });

  for (const trustProxy of [true, 1, '127.0.0.1', ['127.0.0.0/8', '10.0.0.0/8']] satisfies TrustProxy[]) {
    it(`rotating client-written X-Forwarded-For entries share one limit (trustProxy ${JSON.stringify(trustProxy)})`, async () => {
      s = await startTestServer(backend, { authRateLimitPerMin: 5, trustProxy });
      const statuses: number[] = [];
      // The attacker writes the left part; the (simulated) proxy appends the address it saw.
      for (let i = 0; i < 10; i++) statuses.push((await login(`198.51.100.${i}, 203.0.113.7`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
      // Another client behind the same proxy has its own window.
      expect((await login('203.0.113.8')).status).toBe(401);
    });
  }

  it('without trusted proxies X-Forwarded-For is ignored', async () => {
    s = await startTestServer(backend, { authRateLimitPerMin: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(`198.51.100.${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('IPv6 clients are counted by their /64', async () => {
    s = await startTestServer(backend, { authRateLimitPerMin: 3, trustProxy: 1 });
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) statuses.push((await login(`2001:db8:1:2::${i.toString(16)}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await login('2001:db8:1:3::1')).status).toBe(401);
  });

});

describe('limiter keys and bounds', () => {
  it('clientKey folds IPv6 to its /64 and IPv4-mapped addresses to IPv4', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('the limiter holds at most maxKeys windows, evicting the least recently hit', () => {
    const limiter = new RateLimiter(2, 60_000, 100);
    for (let i = 0; i < 10_000; i++) limiter.hit(`k${i}`, 1000);
    expect(limiter.size).toBe(100);
    // A key kept busy is not the one evicted.
    const busy = new RateLimiter(1, 60_000, 3);
    busy.hit('busy', 0);
    for (let i = 0; i < 50; i++) {
      busy.hit(`other${i}`, 0);
      expect(busy.hit('busy', 0)).toBeGreaterThan(0);
    }
  });

  it('TRUST_PROXY values: hop counts, addresses and CIDRs; anything else is refused at start', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
    const hop = parseTrustProxy('true') as (a: string, i: number) => boolean;
    expect([hop('x', 0), hop('x', 1)]).toEqual([true, false]);
    const two = parseTrustProxy('2') as (a: string, i: number) => boolean;
    expect([two('x', 1), two('x', 2)]).toEqual([true, false]);
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16,::1,loopback')).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'loopback']);
    for (const bad of ['yes', '10.0.0.0/8/1', '10.0.0', 'example.com', '-1']) expect(() => parseTrustProxy(bad), bad).toThrow(/TRUST_PROXY/);
  });
});
