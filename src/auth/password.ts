import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto). The stored form carries its
 * parameters, so they can be raised later without invalidating existing hashes:
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url).
 */
/** scrypt cost N (CPU and memory: 128·N·r bytes, 16 MiB here). */
export const DEFAULT_SCRYPT_COST = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions & { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes (plus a little); the limit follows the cost instead of capping it.
  const maxmem = Math.max(32 * 1024 * 1024, 2 * 128 * options.N * options.r * options.p);
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: cost, r: R, p: P });
  return ['scrypt', cost, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, salt, { N: n, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The scrypt cost a stored hash was made with (0 when it is not one of ours). */
export function costOf(stored: string): number {
  const parts = stored.split('$');
  return parts.length === 6 && parts[0] === 'scrypt' ? Number(parts[1]) : 0;
}

/**
 * A hash of a random password at the configured cost, verified against when the account does not
 * exist, so timing does not reveal it (one per cost, made once).
 */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(cost = DEFAULT_SCRYPT_COST): Promise<string> {
  let decoy = decoys.get(cost);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), cost);
    decoys.set(cost, decoy);
  }
  return decoy;
}
