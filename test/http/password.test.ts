import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from '../../src/auth/password.js';
import { csrfTokenFor, hashToken, newToken } from '../../src/auth/tokens.js';

describe('password hashing', () => {
  it('uses scrypt at the default cost, salted, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(new RegExp(`^scrypt\\$${DEFAULT_SCRYPT_COST}\\$8\\$1\\$[\\w-]{22}\\$[\\w-]{43}$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'plain-text')).toBe(false);
  });

  it('verifies hashes made at another cost (the cost is stored with the hash)', async () => {
    const cheap = await hashPassword('pässwörd ok', 1024);
    expect(cheap.startsWith('scrypt$1024$')).toBe(true);
    // Unicode is normalised, so the same password typed in composed or decomposed form matches.
    expect(await verifyPassword('pa\u0308sswo\u0308rd ok', cheap)).toBe(true);
  });
});

describe('session tokens', () => {
  it('are 32 random bytes, stored as SHA-256, with a CSRF token derived per session', () => {
    const t = newToken();
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(t);
    expect(hashToken(t)).toHaveLength(43);
    expect(hashToken(t)).not.toBe(t);
    expect(csrfTokenFor(t)).not.toBe(hashToken(t));
    expect(csrfTokenFor(t)).not.toBe(csrfTokenFor(newToken()));
  });
});
