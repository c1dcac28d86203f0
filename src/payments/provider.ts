/**
 * The one interface every payment provider implements (docs/PAYMENTS.md). Every call that moves
 * money takes the idempotency key of its operation row; a provider must return the first result
 * when it sees a key again, which is what makes a retry after a lost answer safe.
 */

export type CaptureMethod = 'automatic' | 'manual';

/** A payment as the provider sees it, normalised. */
export interface ProviderPayment {
  ref: string;
  /** requires_action: waiting for the buyer (3-D Secure, a redirect approval, a client confirmation). */
  status: 'requires_action' | 'pending' | 'authorized' | 'captured' | 'failed' | 'voided';
  amountCents: number;
  currency: string;
  capturedCents: number;
  /** Every refund the provider holds for this payment. */
  refunds: ProviderRefund[];
  clientSecret?: string;
  /** For a redirect provider: where the buyer approves. */
  approvalUrl?: string;
  failureCode?: string;
}

export interface ProviderRefund {
  ref: string;
  amountCents: number;
  status: 'succeeded' | 'pending' | 'failed';
  /** The idempotency key it was created with, when the provider keeps it (links it to our operation row). */
  key?: string;
}

export interface CreatePaymentInput {
  amountCents: number;
  currency: string;
  captureMethod: CaptureMethod;
  /** A card number (test provider) or payment-method id (Stripe); absent: the buyer confirms on the client. */
  card?: string;
  metadata: { orderId: string; paymentId: string };
}

/** A verified webhook event, normalised; `type: 'ignored'` for events that change nothing here. */
export interface ProviderEvent {
  id: string;
  type: 'payment.authorized' | 'payment.captured' | 'payment.failed' | 'payment.voided' | 'payment.refunded' | 'ignored';
  /** The provider's payment reference. */
  ref: string | null;
  amountCents: number;
  currency: string;
  capturedCents: number;
  refunds: ProviderRefund[];
  failureCode?: string;
  /** Our payment id from the metadata we sent: finds the payment when the event beats our own record of its reference. */
  paymentId?: string;
}

export interface PaymentProvider {
  readonly name: string;
  createPayment(input: CreatePaymentInput, idempotencyKey: string): Promise<ProviderPayment>;
  capture(ref: string, amountCents: number, idempotencyKey: string): Promise<ProviderPayment>;
  refund(ref: string, amountCents: number, idempotencyKey: string): Promise<ProviderRefund>;
  void(ref: string, idempotencyKey: string): Promise<ProviderPayment>;
  retrieve(ref: string): Promise<ProviderPayment>;
  /** Checks the signature over the raw body before anything is parsed; throws WebhookSignatureError. */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}

/** The provider refused the card: the order stays payable. */
export class ProviderDeclinedError extends Error {
  constructor(
    readonly declineCode: string,
    message = 'The card was declined',
  ) {
    super(message);
    this.name = 'ProviderDeclinedError';
  }
}

/** The provider answered that the request itself is wrong (not retryable). */
export class ProviderRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderRejectedError';
  }
}
