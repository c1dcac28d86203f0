import { randomBytes } from 'node:crypto';
import type { Driver, Executor } from '../../db/driver.js';
import { isUniqueViolation, now } from '../../db/sql.js';
import { WebhookSignatureError } from '../errors.js';
import {
  ProviderDeclinedError,
  ProviderRejectedError,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPayment,
  type ProviderRefund,
} from '../provider.js';
import { signPayload, verifyPayload } from './signature.js';

export const TEST_CARDS = { success: '4242424242424242', declined: '4000000000000002', pending: '4000002500003155' } as const;
export const TEST_SIGNATURE_HEADER = 'x-test-signature';

export interface TestProviderOptions {
  /** HMAC secret of the test provider's webhooks (default TEST_WEBHOOK_SECRET or a fixed development value). */
  webhookSecret?: string;
  /** A pending card settles after this long (default TEST_PAYMENT_SETTLE_MS or 2000). */
  settleMs?: number;
}

interface PaymentRow {
  ref: string;
  create_key: string;
  amount_cents: number;
  currency: string;
  capture_method: string;
  status: ProviderPayment['status'];
  captured_cents: number;
  settle_at: string | null;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/**
 * The built-in provider for development, the demo and tests. It plays an external provider that
 * keeps its own books: its state lives in its own tables, written in its own transactions (never
 * inside ours), so it survives a restart and is shared by every process, like a real one. Every
 * call is idempotent by key. A pending card settles by itself: lazily on retrieve, and by a signed
 * webhook delivered through `deliver` (the same verification path as a real provider's webhook).
 */
export class TestProvider implements PaymentProvider {
  readonly name = 'test';
  readonly webhookSecret: string;
  private readonly settleMs: number;
  /** Set by the payment service: where a settling payment's signed webhook goes. */
  deliver: ((rawBody: Buffer, headers: Record<string, string>) => Promise<unknown>) | undefined;

  constructor(
    private readonly db: Driver,
    options: TestProviderOptions = {},
  ) {
    this.webhookSecret = options.webhookSecret ?? process.env.TEST_WEBHOOK_SECRET ?? 'whsec_storekeeper_test_provider';
    const env = Number(process.env.TEST_PAYMENT_SETTLE_MS);
    this.settleMs = options.settleMs ?? (Number.isFinite(env) && env >= 0 ? env : 2000);
  }

  async createPayment(input: CreatePaymentInput, key: string): Promise<ProviderPayment> {
    const prior = await this.db.get<PaymentRow>('SELECT * FROM test_provider_payments WHERE create_key = ?', [key]);
    if (prior) return this.created(prior);
    const card = input.card ?? TEST_CARDS.success;
    if (!/^\d{12,19}$/.test(card)) throw new ProviderRejectedError('card must be 12 to 19 digits');
    const declined = card === TEST_CARDS.declined;
    const pending = card === TEST_CARDS.pending;
    const status: ProviderPayment['status'] = declined ? 'failed' : pending ? 'pending' : input.captureMethod === 'automatic' ? 'captured' : 'authorized';
    const at = now();
    const row: PaymentRow = {
      ref: id('tpi'),
      create_key: key,
      amount_cents: input.amountCents,
      currency: input.currency,
      capture_method: input.captureMethod,
      status,
      captured_cents: status === 'captured' ? input.amountCents : 0,
      settle_at: pending ? new Date(Date.now() + this.settleMs).toISOString() : null,
    };
    try {
      await this.db.transaction((tx) =>
        tx.run(
          `INSERT INTO test_provider_payments (ref, create_key, amount_cents, currency, capture_method, status, captured_cents, settle_at, metadata, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [row.ref, key, row.amount_cents, row.currency, row.capture_method, row.status, row.captured_cents, row.settle_at, JSON.stringify(input.metadata), at],
        ),
      );
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      return this.created((await this.db.get<PaymentRow>('SELECT * FROM test_provider_payments WHERE create_key = ?', [key]))!);
    }
    if (pending) this.scheduleSettle(row.ref);
    return this.created(row);
  }

  async capture(ref: string, amountCents: number, key: string): Promise<ProviderPayment> {
    await this.once(key, 'capture', ref, amountCents, async (tx) => {
      const changed = await tx.run(
        "UPDATE test_provider_payments SET status = 'captured', captured_cents = ? WHERE ref = ? AND status = 'authorized' AND amount_cents >= ?",
        [amountCents, ref, amountCents],
      );
      if (changed.changes === 0) throw new ProviderRejectedError(`payment ${ref} cannot be captured`);
      return ref;
    });
    return this.retrieve(ref);
  }

  async refund(ref: string, amountCents: number, key: string): Promise<ProviderRefund> {
    const refundRef = await this.once(key, 'refund', ref, amountCents, async (tx) => {
      const p = await tx.get<{ captured_cents: number; refunded: number }>(
        `SELECT captured_cents, (SELECT COALESCE(SUM(amount_cents), 0) FROM test_provider_calls WHERE kind = 'refund' AND payment_ref = ?) AS refunded
         FROM test_provider_payments WHERE ref = ? AND status = 'captured'`,
        [ref, ref],
      );
      if (!p || Number(p.refunded) + amountCents > Number(p.captured_cents)) throw new ProviderRejectedError(`payment ${ref} cannot be refunded by ${amountCents}`);
      return id('tre');
    });
    return { ref: refundRef, amountCents, status: 'succeeded', key };
  }

  async void(ref: string, key: string): Promise<ProviderPayment> {
    await this.once(key, 'void', ref, 0, async (tx) => {
      const changed = await tx.run("UPDATE test_provider_payments SET status = 'voided' WHERE ref = ? AND status IN ('authorized', 'pending')", [ref]);
      if (changed.changes === 0) throw new ProviderRejectedError(`payment ${ref} cannot be voided`);
      return ref;
    });
    return this.retrieve(ref);
  }

  async retrieve(ref: string): Promise<ProviderPayment> {
    await this.settleDue(ref);
    const row = await this.db.get<PaymentRow>('SELECT * FROM test_provider_payments WHERE ref = ?', [ref]);
    if (!row) throw new ProviderRejectedError(`no payment ${ref}`);
    return this.view(row);
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent {
    const header = headers[TEST_SIGNATURE_HEADER];
    verifyPayload(rawBody, Array.isArray(header) ? header[0] : header, this.webhookSecret);
    let event: ProviderEvent;
    try {
      event = JSON.parse(rawBody.toString('utf8')) as ProviderEvent;
    } catch {
      throw new WebhookSignatureError('the signed body is not JSON');
    }
    return event;
  }

  /** The signed webhook for a payment's current state, as this provider would send it. */
  async eventFor(ref: string, eventId: string): Promise<{ body: string; headers: Record<string, string> }> {
    const p = await this.retrieve(ref);
    const type: ProviderEvent['type'] =
      p.status === 'captured' ? (p.refunds.length > 0 ? 'payment.refunded' : 'payment.captured') : p.status === 'authorized' ? 'payment.authorized' : p.status === 'failed' ? 'payment.failed' : p.status === 'voided' ? 'payment.voided' : 'ignored';
    const meta = await this.db.get<{ metadata: string }>('SELECT metadata FROM test_provider_payments WHERE ref = ?', [ref]);
    const paymentId = (JSON.parse(meta!.metadata) as { paymentId?: string }).paymentId;
    const event: ProviderEvent = { id: eventId, type, ref, amountCents: p.amountCents, currency: p.currency, capturedCents: p.capturedCents, refunds: p.refunds, paymentId };
    const body = JSON.stringify(event);
    return { body, headers: { 'content-type': 'application/json', [TEST_SIGNATURE_HEADER]: signPayload(body, this.webhookSecret) } };
  }

  /** Runs `effect` once per idempotency key; a repeated key returns the first result. */
  private async once(key: string, kind: string, ref: string, amountCents: number, effect: (tx: Executor) => Promise<string>): Promise<string> {
    const find = () => this.db.get<{ result_ref: string }>('SELECT result_ref FROM test_provider_calls WHERE idempotency_key = ?', [key]);
    const prior = await find();
    if (prior) return prior.result_ref;
    try {
      return await this.db.transaction(async (tx) => {
        if (tx.dialect === 'postgres') await tx.get('SELECT ref FROM test_provider_payments WHERE ref = ? FOR UPDATE', [ref]);
        const again = await tx.get<{ result_ref: string }>('SELECT result_ref FROM test_provider_calls WHERE idempotency_key = ?', [key]);
        if (again) return again.result_ref;
        const result = await effect(tx);
        await tx.run('INSERT INTO test_provider_calls (idempotency_key, kind, payment_ref, amount_cents, result_ref, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
          key,
          kind,
          ref,
          amountCents,
          result,
          now(),
        ]);
        return result;
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      return (await find())!.result_ref;
    }
  }

  private async settleDue(ref: string): Promise<void> {
    await this.db.transaction((tx) =>
      tx.run(
        `UPDATE test_provider_payments SET status = CASE WHEN capture_method = 'automatic' THEN 'captured' ELSE 'authorized' END,
           captured_cents = CASE WHEN capture_method = 'automatic' THEN amount_cents ELSE 0 END, settle_at = NULL
         WHERE ref = ? AND status = 'pending' AND settle_at <= ?`,
        [ref, now()],
      ),
    );
  }

  private scheduleSettle(ref: string): void {
    setTimeout(() => {
      void (async () => {
        const { body, headers } = await this.eventFor(ref, id('tev'));
        await this.deliver?.(Buffer.from(body), headers);
      })().catch(() => undefined); // a lost delivery is what reconciliation is for
    }, this.settleMs).unref();
  }

  /** A declined card is remembered under its key, so a retry is declined again. */
  private created(row: PaymentRow): Promise<ProviderPayment> {
    if (row.status === 'failed') throw new ProviderDeclinedError('card_declined');
    return this.view(row);
  }

  private async view(row: PaymentRow): Promise<ProviderPayment> {
    const calls = await this.db.all<{ result_ref: string; amount_cents: number; idempotency_key: string }>(
      "SELECT result_ref, amount_cents, idempotency_key FROM test_provider_calls WHERE kind = 'refund' AND payment_ref = ? ORDER BY created_at, result_ref",
      [row.ref],
    );
    return {
      ref: row.ref,
      status: row.status,
      amountCents: Number(row.amount_cents),
      currency: row.currency,
      capturedCents: Number(row.captured_cents),
      refunds: calls.map((c) => ({ ref: c.result_ref, amountCents: Number(c.amount_cents), status: 'succeeded' as const, key: c.idempotency_key })),
    };
  }
}
