import { createHash } from 'node:crypto';
import { StorekeeperError } from '../errors.js';
import { isUniqueViolation, now } from '../db/sql.js';
import type { EcommercePlatform } from '../platform.js';
import type { CartOwner } from '../cart/owner.js';
import type { Order } from './order.js';
import { checkoutInput, guestAccessToken, placeOrder, resolveBuyer, type Buyer, type CheckoutOptions } from './checkout.js';

/** The body of POST /api/orders: the checkout options without the key (that is a header). */
export type CheckoutRequest = Omit<CheckoutOptions, 'idempotencyKey'>;

export interface CheckoutResponse {
  statusCode: number;
  /** The JSON body, exactly as first sent (a guest's access token is added, never stored). */
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
type Stored = { request_hash: string; status_code: number; body: string };

/** `{"order":…}` plus the guest's token: derived again on a replay, so the stored body holds no secret. */
function withToken(body: string, accessToken: string | null): string {
  return accessToken === null ? body : `${body.slice(0, -1)},"accessToken":${JSON.stringify(accessToken)}}`;
}

/**
 * POST /api/orders. With an Idempotency-Key the first successful response is stored in the same
 * transaction as the order, so a retry (same key, same body) gets exactly that response back even
 * if the cart has changed since, from any server process; the same key with another body is a
 * 422. Failed attempts store nothing: the client may fix the cart and retry with the same key.
 * A guest's key is scoped to the guest cart.
 */
export async function idempotentCheckout(platform: EcommercePlatform, owner: CartOwner, key: string | null, request: CheckoutRequest): Promise<CheckoutResponse> {
  const hash = requestHash(request);
  const input = checkoutInput({ ...request, ...(key === null ? {} : { idempotencyKey: key }) });
  const replay = (row: Stored, buyer: Buyer, token: string | null): CheckoutResponse => {
    if (row.request_hash !== hash) throw new IdempotencyMismatchError();
    return { statusCode: Number(row.status_code), body: withToken(row.body, buyer.guestToken === null ? null : token), replayed: true };
  };
  const shop = platform.shop;
  type Attempt = { done: CheckoutResponse } | { orderId: number; order: Order | null; accessToken: string | null };
  const attempt = () =>
    platform.db.transaction(async (tx): Promise<Attempt> => {
      const buyer = await resolveBuyer(tx, owner, input);
      if (buyer.storedKey !== null) {
        const prior = await tx.get<Stored>(FIND, [buyer.customerId, buyer.storedKey]);
        if (prior) {
          return { done: replay(prior, buyer, guestAccessToken(buyer)) };
        }
      }
      const result = await placeOrder(tx, buyer, input, shop);
      if (buyer.storedKey === null) return { orderId: result.orderId, order: result.order, accessToken: result.accessToken };
      // The order as just written (a replay was answered above from the stored response).
      const body = JSON.stringify({ order: result.order ?? (await platform.orders.get(result.orderId, tx)) });
      await tx.run(
        'INSERT INTO idempotent_responses (customer_id, idempotency_key, request_hash, status_code, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [buyer.customerId, buyer.storedKey, hash, 201, body, now()],
      );
      return { done: { statusCode: 201, body: withToken(body, result.accessToken), replayed: false } };
    });
  try {
    const out = await attempt();
    if ('done' in out) return out.done;
    // Built from what the transaction wrote: nothing is read back.
    const body = JSON.stringify({ order: out.order ?? (await platform.orders.get(out.orderId)) });
    return { statusCode: 201, body: withToken(body, out.accessToken), replayed: false };
  } catch (e) {
    // Two first attempts with one key raced on PostgreSQL: the loser answers with the winner's response.
    if (key !== null && isUniqueViolation(e)) {
      const out = await attempt();
      if ('done' in out) return out.done;
    }
    throw e;
  }
}
