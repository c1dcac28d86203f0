import { StorekeeperError } from '../errors.js';

/** 402: the provider declined; the order stays unpaid and can be paid again. */
export class PaymentDeclinedError extends StorekeeperError {
  constructor(declineCode: string) {
    super('payment_declined', 'The payment was declined', { declineCode });
  }
}

/** 409: fulfilment waits for money. */
export class OrderUnpaidError extends StorekeeperError {
  constructor(orderId: number, paymentStatus: string) {
    super('order_unpaid', `Order ${orderId} is ${paymentStatus}: it cannot be processed before it is paid or authorised`, { paymentStatus });
  }
}

/** 400: a webhook whose signature, timestamp or secret does not verify; nothing is read or written. */
export class WebhookSignatureError extends StorekeeperError {
  constructor(reason: string) {
    super('webhook_signature_invalid', `The webhook signature does not verify: ${reason}`);
  }
}

/** 502: the provider could not be reached; the operation stays pending and reconciliation settles it. */
export class ProviderUnavailableError extends StorekeeperError {
  constructor(provider: string, operationId: number) {
    super('payment_provider_unavailable', `The payment provider '${provider}' did not answer; operation ${operationId} will be reconciled`, { operationId });
  }
}
