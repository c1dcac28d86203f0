import { isIPv4, isIPv6 } from 'node:net';

/**
 * Fixed-window request counter per key (the client address), in process memory. With several
 * server processes each enforces its own window; the account lockout, which must hold across
 * processes, lives in the database instead (see AuthService).
 *
 * Bounded: at most `maxKeys` windows, least recently hit evicted first (a Map in hit order, so
 * each hit is O(1)). An attacker rotating addresses can push other keys out, which only forgets
 * their counts; it cannot grow memory.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    readonly maxKeys = 100_000,
  ) {}

  /** Counts one hit; returns 0 when allowed, else the seconds until the window resets. */
  hit(key: string, at = Date.now()): number {
    let w = this.windows.get(key);
    if (w) this.windows.delete(key);
    if (!w || w.resetAt <= at) w = { count: 0, resetAt: at + this.windowMs };
    this.windows.set(key, w);
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    w.count++;
    return w.count > this.limit ? Math.max(1, Math.ceil((w.resetAt - at) / 1000)) : 0;
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * The key a client address is counted under: IPv4 as it is (an IPv4-mapped IPv6 address counts
 * as its IPv4 one), IPv6 by its /64 prefix, since one subscriber usually holds a whole /64.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0]!;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  const left = parse(head);
  const right = parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms other than the mapped one) counts as two groups.
  const last = right.length > 0 ? right : left;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    const [a, b, c, d] = last.pop()!.split('.').map(Number) as [number, number, number, number];
    last.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16).toString(16));
}
