import Stripe from 'stripe';
import { WebhookSignatureError } from '../errors.js';
import {
  ProviderDeclinedError,
  ProviderRejectedError,
  type CaptureMethod,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPayment,
  type ProviderRefund,
} from '../provider.js';

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** STRIPE_API_URL: another API origin (a local fake in tests); the SDK's host, port and protocol. */
  apiUrl?: string;
  timeoutMs?: number;
}

/** Stripe PaymentIntents through the official SDK; amounts are the shop currency's minor units, as Stripe counts them. */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeProviderOptions) {
    const url = options.apiUrl ? new URL(options.apiUrl) : undefined;
    this.stripe = new Stripe(options.secretKey, {
      // Retries are ours (same operation key every time), so the SDK makes exactly one request per call.
      maxNetworkRetries: 0,
      timeout: options.timeoutMs ?? 20_000,
      ...(url ? { host: url.hostname, port: url.port || (url.protocol === 'http:' ? 80 : 443), protocol: url.protocol === 'http:' ? 'http' : 'https' } : {}),
    });
  }

  static fromEnv(_capture: CaptureMethod): StripeProvider {
    const secretKey = process.env.STRIPE_SECRET_KEY;
    const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;
    if (!secretKey || !webhookSecret) throw new Error('The stripe provider needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
    const timeout = Number(process.env.STRIPE_TIMEOUT_MS);
    return new StripeProvider({ secretKey, webhookSecret, apiUrl: process.env.STRIPE_API_URL || undefined, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined });
  }

  async createPayment(input: CreatePaymentInput, idempotencyKey: string): Promise<ProviderPayment> {
    const pi = await this.guard(() =>
      this.stripe.paymentIntents.create(
        {
          amount: input.amountCents,
          currency: input.currency.toLowerCase(),
          capture_method: input.captureMethod === 'manual' ? 'manual' : 'automatic',
          metadata: input.metadata,
          ...(input.card ? { payment_method: input.card, confirm: true, payment_method_types: ['card'] } : {}),
        },
        { idempotencyKey },
      ),
    );
    return this.view(pi, []);
  }

  async capture(ref: string, amountCents: number, idempotencyKey: string): Promise<ProviderPayment> {
    const pi = await this.guard(() => this.stripe.paymentIntents.capture(ref, { amount_to_capture: amountCents }, { idempotencyKey }));
    return this.view(pi, []);
  }

  async refund(ref: string, amountCents: number, idempotencyKey: string): Promise<ProviderRefund> {
    const r = await this.guard(() =>
      this.stripe.refunds.create({ payment_intent: ref, amount: amountCents, metadata: { operation_key: idempotencyKey } }, { idempotencyKey }),
    );
    return refundOf(r);
  }

  async void(ref: string, idempotencyKey: string): Promise<ProviderPayment> {
    const pi = await this.guard(() => this.stripe.paymentIntents.cancel(ref, {}, { idempotencyKey }));
    return this.view(pi, []);
  }

  async retrieve(ref: string): Promise<ProviderPayment> {
    const pi = await this.guard(() => this.stripe.paymentIntents.retrieve(ref));
    const refunds = await this.guard(() => this.stripe.refunds.list({ payment_intent: ref, limit: 100 }));
    return this.view(pi, refunds.data.map(refundOf));
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent {
    const header = headers['stripe-signature'];
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, Array.isArray(header) ? header[0]! : (header ?? ''), this.options.webhookSecret, 300);
    } catch (e) {
      throw new WebhookSignatureError(e instanceof Error ? e.message : 'invalid');
    }
    const base = { id: event.id, refunds: [] as ProviderRefund[] };
    if (event.type === 'charge.refunded') {
      const charge = event.data.object;
      return {
        ...base,
        type: 'payment.refunded',
        ref: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
        amountCents: charge.amount,
        currency: charge.currency.toUpperCase(),
        capturedCents: charge.amount_captured,
        refunds: (charge.refunds?.data ?? []).map(refundOf),
      };
    }
    const types: Partial<Record<string, ProviderEvent['type']>> = {
      'payment_intent.succeeded': 'payment.captured',
      'payment_intent.amount_capturable_updated': 'payment.authorized',
      'payment_intent.payment_failed': 'payment.failed',
      'payment_intent.canceled': 'payment.voided',
    };
    const type = types[event.type];
    if (!type || !event.type.startsWith('payment_intent.')) return { ...base, type: 'ignored', ref: null, amountCents: 0, currency: '', capturedCents: 0 };
    const pi = event.data.object as Stripe.PaymentIntent;
    return {
      ...base,
      type,
      ref: pi.id,
      amountCents: pi.amount,
      currency: pi.currency.toUpperCase(),
      capturedCents: pi.amount_received,
      failureCode: pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code,
      paymentId: pi.metadata?.paymentId,
    };
  }

  private view(pi: Stripe.PaymentIntent, refunds: ProviderRefund[]): ProviderPayment {
    const status: ProviderPayment['status'] =
      pi.status === 'succeeded' ? 'captured' : pi.status === 'requires_capture' ? 'authorized' : pi.status === 'canceled' ? 'voided' : pi.status === 'processing' ? 'pending' : 'requires_action';
    return {
      ref: pi.id,
      status,
      amountCents: pi.amount,
      currency: pi.currency.toUpperCase(),
      capturedCents: pi.amount_received,
      refunds,
      ...(pi.client_secret && status === 'requires_action' ? { clientSecret: pi.client_secret } : {}),
    };
  }

  /** Maps the SDK's errors: a card error is a decline, a bad request is final, anything else may be retried. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof Stripe.errors.StripeCardError) throw new ProviderDeclinedError(e.decline_code ?? e.code ?? 'card_declined', e.message);
      if (e instanceof Stripe.errors.StripeInvalidRequestError || e instanceof Stripe.errors.StripeIdempotencyError) throw new ProviderRejectedError(e.message);
      throw e;
    }
  }
}

function refundOf(r: Stripe.Refund): ProviderRefund {
  return {
    ref: r.id,
    amountCents: r.amount,
    status: r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending',
    key: r.metadata?.operation_key,
  };
}
