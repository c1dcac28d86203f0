/**
 * Fixed-window request counter per key (the client IP), in process memory. With several server
 * processes each enforces its own window; the account lockout, which must hold across processes,
 * lives in the database instead (see AuthService).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {}

  /** Counts one hit; returns 0 when allowed, else the seconds until the window resets. */
  hit(key: string, at = Date.now()): number {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= at) {
      if (this.windows.size > 10_000) this.prune(at);
      w = { count: 0, resetAt: at + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.limit ? Math.max(1, Math.ceil((w.resetAt - at) / 1000)) : 0;
  }

  private prune(at: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= at) this.windows.delete(key);
  }
}
