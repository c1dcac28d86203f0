import { ConflictError, StorekeeperError, ValidationError } from '../errors.js';
import type { Driver, Executor } from '../db/driver.js';
import { isUniqueViolation, now } from '../db/sql.js';
import { claimOrInsertCustomer, toCustomer, type Customer, type CustomerRow } from '../customers/service.js';
import * as v from '../validate.js';
import { costOf, decoyHash, DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from './password.js';
import { emitRegistered } from './recovery.js';
import { envWhole } from '../env.js';
import { evictSession, sessionCacheOf, type SessionCache } from './session-cache.js';
import { hashToken, newToken } from './tokens.js';

export const ROLES = ['customer', 'admin', 'staff'] as const;
/** Roles that may use the admin panel: `staff` runs the order desk, customers and stock; `admin` everything. */
export const STAFF_ROLES: readonly Role[] = ['admin', 'staff'];
export type Role = (typeof ROLES)[number];

export interface Session {
  customerId: number;
  role: Role;
  tokenHash: string;
}

export interface Registration {
  email: string;
  name: string;
  password: string;
  address?: string | null;
  phone?: string | null;
}

export interface SignedIn {
  customer: Customer;
  role: Role;
  /** The bearer token; shown once, stored only as its hash. */
  token: string;
  expiresAt: string;
}

export interface AuthOptions {
  /** Session lifetime (default 7 days). */
  sessionTtlMs?: number;
  /** Failed logins within the window that lock an account (default 10 in 15 minutes). */
  maxFailures?: number;
  failureWindowMs?: number;
  /** scrypt cost N for new password hashes (default 16384; a power of two). Tests lower it for speed. */
  scryptCost?: number;
  /**
   * A session unused for this long ends (default 24 hours), within its lifetime: each use (at most
   * every five minutes) moves its expiry to now + idle, never past created + sessionTtlMs.
   */
  sessionIdleMs?: number;
  /**
   * PostgreSQL: how long this process may reuse a session it read (default SESSION_CACHE_MS or
   * 5000; 0 = read every time). A revocation evicts it at once (NOTIFY); this only bounds a missed one.
   */
  sessionCacheMs?: number;
}

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 200;

/** 429 with the seconds after which trying again can succeed. */
export class RateLimitedError extends StorekeeperError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

export class UnauthorizedError extends StorekeeperError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends StorekeeperError {
  constructor(message = 'Not allowed') {
    super('forbidden', message);
  }
}

const SESSION_SQL = `SELECT s.customer_id, s.expires_at, s.created_at, a.role FROM sessions s
  JOIN accounts a ON a.customer_id = s.customer_id WHERE s.token_hash = ?`;

function password(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD || value.length > MAX_PASSWORD) {
    const message = `must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`;
    throw new ValidationError(`password ${message}`, [{ path: 'password', message }]);
  }
  return value;
}

/**
 * Accounts and sessions over the customers table. HTTP-free: the server maps its errors
 * (unauthorized, rate_limited, conflict) to statuses.
 */
export class AuthService {
  readonly sessionTtlMs: number;
  readonly sessionIdleMs: number;
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;
  readonly scryptCost: number;
  private readonly sessionCacheMs: number;
  private readonly cache: SessionCache | undefined;

  constructor(
    private readonly db: Driver,
    options: AuthOptions = {},
  ) {
    this.sessionTtlMs = options.sessionTtlMs ?? 7 * 24 * 3600_000;
    this.maxFailures = options.maxFailures ?? 10;
    this.failureWindowMs = options.failureWindowMs ?? 15 * 60_000;
    this.scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
    this.sessionIdleMs = Math.min(this.sessionTtlMs, options.sessionIdleMs ?? 24 * 3600_000);
    this.sessionCacheMs = options.sessionCacheMs ?? envWhole('SESSION_CACHE_MS', 5000);
    this.cache = this.sessionCacheMs > 0 ? sessionCacheOf(db) : undefined;
  }

  /** Creates the customer, its account and a first session, in one transaction. */
  async register(input: Registration, role: Role = 'customer'): Promise<SignedIn> {
    const r = v.record(input, 'registration', ['email', 'name', 'password', 'address', 'phone']);
    const email = v.email(r.email);
    const name = v.text(r.name, 'name', 200, 1);
    const address = v.optionalText(r.address, 'address', 500);
    const phone = v.optionalText(r.phone, 'phone', 50);
    const hash = await hashPassword(password(r.password), this.scryptCost);
    const token = newToken();
    try {
      return await this.db.transaction(async (tx) => {
        const at = now();
        const row = await claimOrInsertCustomer(tx, { email, name, address, phone }, at);
        if (!row) throw emailTaken(email);
        await tx.run('INSERT INTO accounts (customer_id, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
          row!.id,
          hash,
          role,
          at,
          at,
        ]);
        const expiresAt = await this.insertSession(tx, row!.id, token);
        await emitRegistered(tx, row!);
        return { customer: toCustomer(row!), role, token, expiresAt };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw emailTaken(email);
      throw e;
    }
  }

  /**
   * Checks the password and opens a session. An account with too many recent failures is refused
   * (whatever the password and the client) until the oldest failure leaves the window. The attempt
   * is recorded as a failure before the password is checked, in one transaction with the count
   * (serialised per email), so parallel guesses cannot all pass the check; a right password then
   * clears the failures. A hash made at another cost than the configured one is redone.
   */
  async login(emailInput: string, passwordInput: string): Promise<SignedIn> {
    const email = v.email(emailInput);
    const pw = typeof passwordInput === 'string' ? passwordInput : '';
    await this.recordAttempt(email);
    const account = await this.db.get<CustomerRow & { password_hash: string; role: Role }>(
      `SELECT c.id, c.email, c.name, c.address, c.phone, c.created_at, a.password_hash, a.role
       FROM customers c JOIN accounts a ON a.customer_id = c.id WHERE c.email = ?`,
      [email],
    );
    const ok = account ? await verifyPassword(pw, account.password_hash) : (await verifyPassword(pw, await decoyHash(this.scryptCost)), false);
    if (!account || !ok) throw new UnauthorizedError('Invalid email or password');
    const rehashed = costOf(account.password_hash) !== this.scryptCost ? await hashPassword(pw, this.scryptCost) : undefined;
    const token = newToken();
    const expiresAt = await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM login_failures WHERE email = ?', [email]);
      await tx.run('DELETE FROM sessions WHERE customer_id = ? AND expires_at <= ?', [account.id, now()]);
      if (rehashed) {
        await tx.run('UPDATE accounts SET password_hash = ?, updated_at = ? WHERE customer_id = ? AND password_hash = ?', [
          rehashed,
          now(),
          account.id,
          account.password_hash,
        ]);
      }
      return this.insertSession(tx, account.id, token);
    });
    return { customer: toCustomer(account), role: account.role, token, expiresAt };
  }

  /** Counts the failures in the window and, if below the limit, records this attempt as one. */
  private async recordAttempt(email: string): Promise<void> {
    const refused = await this.db.transaction(async (tx) => {
      const since = new Date(Date.now() - this.failureWindowMs).toISOString();
      // SQLite transactions are serial; PostgreSQL ones take a per-email lock first.
      if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(7469, hashtext(?))', [email]);
      const failures = await tx.get<{ n: number; oldest: string | null }>(
        'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE email = ? AND at > ?',
        [email, since],
      );
      if (failures && Number(failures.n) >= this.maxFailures) return Date.parse(failures.oldest!) + this.failureWindowMs - Date.now();
      await tx.run('DELETE FROM login_failures WHERE email = ? AND at <= ?', [email, since]);
      await tx.run('INSERT INTO login_failures (email, at) VALUES (?, ?)', [email, now()]);
      return undefined;
    });
    if (refused !== undefined) {
      throw new RateLimitedError('Too many failed logins for this account; try again later', Math.max(1, Math.ceil(refused / 1000)));
    }
  }

  /**
   * The session behind a token, or null when unknown, expired or idle too long. One indexed read
   * (on PostgreSQL none for a session this process read recently: src/auth/session-cache.ts);
   * a use five minutes (or a tenth of the idle time) after the last slide also slides the idle expiry (a non-durable write).
   */
  async authenticate(token: string): Promise<Session | null> {
    const tokenHash = hashToken(token);
    const readAt = Date.now();
    const hit = this.cache?.get(tokenHash);
    if (hit && readAt - hit.readAt < this.sessionCacheMs && Date.parse(hit.expiresAt) > readAt && !this.slideDue(hit, readAt)) {
      return { customerId: hit.customerId, role: hit.role, tokenHash };
    }
    const seq = this.cache?.begin();
    const row = await this.db.get<{ customer_id: number; expires_at: string; created_at: string; role: Role }>(SESSION_SQL, [tokenHash]);
    const at = Date.now();
    if (!row || Date.parse(row.expires_at) <= at) return null;
    const session = { customerId: row.customer_id, role: row.role, expiresAt: row.expires_at, createdAt: row.created_at, readAt, seq: seq ?? 0 };
    if (this.slideDue(session, at)) {
      // Best effort: a read must not fail because the slide could not be written (a busy or
      // failed-closed database); the session then just keeps its current expiry. Not cached: the
      // write's own NOTIFY would evict it.
      const next = this.expiryFrom(Date.parse(row.created_at), at);
      await this.db
        .transaction((tx) => tx.run('UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND expires_at < ?', [next, tokenHash, next]), { durable: false })
        .catch(() => undefined);
    } else {
      this.cache?.set(tokenHash, session);
    }
    return { customerId: row.customer_id, role: row.role, tokenHash };
  }

  private slideDue(s: { expiresAt: string; createdAt: string }, at: number): boolean {
    const next = this.expiryFrom(Date.parse(s.createdAt), at);
    return Date.parse(next) - Date.parse(s.expiresAt) >= Math.min(5 * 60_000, this.sessionIdleMs / 10);
  }

  private expiryFrom(createdMs: number, atMs: number): string {
    return new Date(Math.min(createdMs + this.sessionTtlMs, atMs + this.sessionIdleMs)).toISOString();
  }

  async logout(tokenHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
    evictSession(this.db, tokenHash);
  }

  async roleOf(customerId: number): Promise<Role | null> {
    const row = await this.db.get<{ role: Role }>('SELECT role FROM accounts WHERE customer_id = ?', [v.id(customerId, 'customerId')]);
    return row?.role ?? null;
  }

  async hasAccount(emailInput: string): Promise<boolean> {
    const row = await this.db.get(`SELECT 1 AS one FROM accounts a JOIN customers c ON c.id = a.customer_id WHERE c.email = ?`, [
      v.email(emailInput),
    ]);
    return row !== undefined;
  }

  /**
   * Creates an administrator. An existing customer without an account (made through the library)
   * gets an admin account; an email that already has an account is a conflict.
   */
  async createAdmin(input: { email: string; password: string; name?: string; role?: 'admin' | 'staff' }): Promise<Customer> {
    const email = v.email(input.email);
    const role = v.oneOf(input.role ?? 'admin', 'role', ['admin', 'staff'] as const);
    const existing = await this.db.get<CustomerRow>('SELECT id, email, name, address, phone, created_at FROM customers WHERE email = ?', [email]);
    if (!existing) {
      return (await this.register({ email, password: input.password, name: input.name ?? (role === 'admin' ? 'Administrator' : 'Staff') }, role)).customer;
    }
    const hash = await hashPassword(password(input.password), this.scryptCost);
    try {
      await this.db.transaction(async (tx) => {
        if (await tx.get('SELECT 1 AS one FROM accounts WHERE customer_id = ?', [existing.id])) {
          throw new ConflictError(`${email} already has an account`, { field: 'email' });
        }
        const at = now();
        await tx.run('INSERT INTO accounts (customer_id, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
          existing.id,
          hash,
          role,
          at,
          at,
        ]);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`${email} already has an account`, { field: 'email' });
      throw e;
    }
    return toCustomer(existing);
  }

  /** Deletes expired sessions and old login failures; returns how many sessions went. */
  async purgeExpired(): Promise<number> {
    const since = new Date(Date.now() - this.failureWindowMs).toISOString();
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM login_failures WHERE at <= ?', [since]);
      return (await tx.run('DELETE FROM sessions WHERE expires_at <= ?', [now()])).changes;
    });
  }

  private async insertSession(tx: Executor, customerId: number, token: string): Promise<string> {
    const at = now();
    const expiresAt = this.expiryFrom(Date.parse(at), Date.parse(at));
    await tx.run('INSERT INTO sessions (token_hash, customer_id, expires_at, created_at) VALUES (?, ?, ?, ?)', [
      hashToken(token),
      customerId,
      expiresAt,
      at,
    ]);
    return expiresAt;
  }
}

function emailTaken(email: string): ConflictError {
  return new ConflictError(`A customer with email ${email} already exists`, { field: 'email' });
}
