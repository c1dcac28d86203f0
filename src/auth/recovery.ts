import type { Driver, Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { TokenInvalidError, ValidationError } from '../errors.js';
import { emit } from '../notifications/outbox.js';
import * as v from '../validate.js';
import { hashPassword } from './password.js';
import { evictCustomerSessions } from './session-cache.js';
import { MAX_PASSWORD, MIN_PASSWORD } from './service.js';
import { hashToken, newToken } from './tokens.js';

export const RESET_TTL_MS = 3600_000;
export const CONFIRMATION_TTL_MS = 7 * 24 * 3600_000;

type Purpose = 'password_reset' | 'email_confirmation';

async function issueToken(tx: Executor, customerId: number, purpose: Purpose, ttlMs: number): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs).toISOString();
  // A new token replaces the unused ones of the same purpose: only the latest email works.
  await tx.run('DELETE FROM auth_tokens WHERE customer_id = ? AND purpose = ? AND used_at IS NULL', [customerId, purpose]);
  await tx.run('INSERT INTO auth_tokens (token_hash, purpose, customer_id, expires_at, used_at, created_at) VALUES (?, ?, ?, ?, NULL, ?)', [
    hashToken(token),
    purpose,
    customerId,
    expiresAt,
    now(),
  ]);
  return { token, expiresAt };
}

/** Takes a valid token once (marks it used) and returns its customer; otherwise TokenInvalidError. */
async function useToken(tx: Executor, token: string, purpose: Purpose): Promise<number> {
  const at = now();
  const row = await tx.get<{ customer_id: number }>(
    'UPDATE auth_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? RETURNING customer_id',
    [at, hashToken(token), purpose, at],
  );
  if (!row) throw new TokenInvalidError();
  return row.customer_id;
}

/**
 * Registration's outbox part, inside the registration transaction: an email-confirmation token
 * and the `customer.registered` event whose welcome email carries it.
 */
export async function emitRegistered(tx: Executor, customer: { id: number; email: string; name: string }): Promise<void> {
  const { token } = await issueToken(tx, customer.id, 'email_confirmation', CONFIRMATION_TTL_MS);
  await emit(tx, 'customer.registered', { customerId: customer.id, email: customer.email, name: customer.name }, { emailSecret: { token } });
}

function tokenText(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(value)) throw new TokenInvalidError();
  return value;
}

/** Password reset and email confirmation: one-time tokens, stored as SHA-256 hashes. */
export class RecoveryService {
  constructor(
    private readonly db: Driver,
    private readonly scryptCost?: number,
  ) {}

  /**
   * Starts a reset. Whether or not the address has an account, the caller sees the same thing and
   * the same work is done: one durable write transaction that looks the account up; only for an
   * existing account does it also store a token and enqueue the email.
   */
  async requestPasswordReset(emailInput: string): Promise<void> {
    const email = v.email(emailInput);
    await this.db.transaction(async (tx) => {
      const account = await tx.get<{ id: number }>('SELECT c.id FROM customers c JOIN accounts a ON a.customer_id = c.id WHERE c.email = ?', [email]);
      if (!account) return;
      const { token, expiresAt } = await issueToken(tx, account.id, 'password_reset', RESET_TTL_MS);
      await emit(tx, 'password.reset_requested', { customerId: account.id, email, expiresAt }, { emailSecret: { token } });
    });
  }

  /** Sets the new password, uses the token up and ends every session of the account. */
  async confirmPasswordReset(tokenInput: string, password: string): Promise<{ customerId: number }> {
    const token = tokenText(tokenInput);
    if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
      throw new ValidationError(`password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`, [{ path: 'password', message: `must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters` }]);
    }
    const hash = await hashPassword(password, this.scryptCost);
    const done = await this.db.transaction(async (tx) => {
      const customerId = await useToken(tx, token, 'password_reset');
      const at = now();
      await tx.run('UPDATE accounts SET password_hash = ?, updated_at = ? WHERE customer_id = ?', [hash, at, customerId]);
      await tx.run('DELETE FROM sessions WHERE customer_id = ?', [customerId]);
      await tx.run('DELETE FROM login_failures WHERE email = (SELECT email FROM customers WHERE id = ?)', [customerId]);
      return { customerId };
    });
    evictCustomerSessions(this.db, done.customerId);
    return done;
  }

  /** Marks the customer's email as confirmed (`email_verified_at`), once per token. */
  async confirmEmail(tokenInput: string): Promise<{ customerId: number; emailVerifiedAt: string }> {
    const token = tokenText(tokenInput);
    return this.db.transaction(async (tx) => {
      const customerId = await useToken(tx, token, 'email_confirmation');
      await tx.run('UPDATE customers SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?', [now(), customerId]);
      const row = await tx.get<{ email_verified_at: string }>('SELECT email_verified_at FROM customers WHERE id = ?', [customerId]);
      return { customerId, emailVerifiedAt: row!.email_verified_at };
    });
  }
}
