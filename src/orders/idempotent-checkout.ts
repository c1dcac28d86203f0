import { createHash } from 'node:crypto';
import { ConflictError, StorekeeperError } from '../errors.js';
import { isUniqueViolation, now } from '../db/sql.js';
import type { EcommercePlatform } from '../platform.js';
import { lockCustomer } from '../customers/service.js';
import { checkout } from './service.js';

export interface CheckoutRequest {
  /** The total the shopper was shown; when given and the order would differ, nothing is ordered (409). */
  expectedTotalCents?: number;
}

export interface CheckoutResponse {
  statusCode: number;
  /** The JSON body, exactly as first sent. */
  body: string;
  replayed: boolean;
}

/** Stable across key order, so `{a, b}` and `{b, a}` are the same request. */
export function requestHash(body: object): string {
  const canonical = JSON.stringify(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(canonical).digest('base64url');
}

class IdempotencyMismatchError extends StorekeeperError {
  constructor() {
    super('idempotency_mismatch', 'This Idempotency-Key was already used with a different request body');
  }
}

const FIND = 'SELECT request_hash, status_code, body FROM idempotent_responses WHERE customer_id = ? AND idempotency_key = ?';

/**
 * POST /api/orders. With an Idempotency-Key the first successful response is stored in the same
 * transaction as the order, so a retry (same key, same body) gets exactly that response back even
 * if the cart has changed since, from any server process; the same key with another body is a
 * 422. Failed attempts store nothing: the client may fix the cart and retry with the same key.
 */
export async function idempotentCheckout(
  platform: EcommercePlatform,
  customerId: number,
  key: string | null,
  request: CheckoutRequest,
): Promise<CheckoutResponse> {
  const hash = requestHash(request);
  const replay = (row: { request_hash: string; status_code: number; body: string }): CheckoutResponse => {
    if (row.request_hash !== hash) throw new IdempotencyMismatchError();
    return { statusCode: Number(row.status_code), body: row.body, replayed: true };
  };
  try {
    const done = await platform.db.transaction(async (tx): Promise<CheckoutResponse | number> => {
      if (key !== null) {
        // PostgreSQL: serialise this customer's checkouts first, so a concurrent retry waits and then sees the stored response.
        if (tx.dialect === 'postgres') await lockCustomer(tx, customerId);
        const prior = await tx.get<{ request_hash: string; status_code: number; body: string }>(FIND, [customerId, key]);
        if (prior) return replay(prior);
      }
      const orderId = await checkout(tx, customerId, key);
      if (request.expectedTotalCents !== undefined) {
        const { total_cents: totalCents } = (await tx.get<{ total_cents: number }>('SELECT total_cents FROM orders WHERE id = ?', [orderId]))!;
        if (Number(totalCents) !== request.expectedTotalCents) {
          throw new ConflictError('The order total differs from the expected total; review the cart', {
            expectedTotalCents: request.expectedTotalCents,
            totalCents: Number(totalCents),
          });
        }
      }
      if (key === null) return orderId;
      const body = JSON.stringify({ order: await platform.orders.get(orderId, tx) });
      await tx.run(
        'INSERT INTO idempotent_responses (customer_id, idempotency_key, request_hash, status_code, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [customerId, key, hash, 201, body, now()],
      );
      return { statusCode: 201, body, replayed: false };
    });
    if (typeof done !== 'number') return done;
    // Without a key nothing is stored, so the order is read after the commit: no row stays locked meanwhile.
    return { statusCode: 201, body: JSON.stringify({ order: await platform.orders.get(done) }), replayed: false };
  } catch (e) {
    if (key !== null && isUniqueViolation(e)) {
      const prior = await platform.db.get<{ request_hash: string; status_code: number; body: string }>(FIND, [customerId, key]);
      if (prior) return replay(prior);
    }
    throw e;
  }
}
