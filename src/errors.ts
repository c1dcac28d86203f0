/**
 * One registry of error codes with their HTTP status (the Fastify model).
 * Every error the engine throws on purpose is a StorekeeperError with a stable `code`.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  insufficient_stock: 409,
  invalid_status_transition: 409,
  empty_cart: 422,
  idempotency_mismatch: 422,
  discount_invalid: 422,
  token_invalid: 400,
  unprocessable: 422,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  busy: 503,
  outcome_unknown: 503,
  payment_declined: 402,
  order_unpaid: 409,
  webhook_signature_invalid: 400,
  payment_provider_unavailable: 502,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class StorekeeperError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export class ValidationError extends StorekeeperError {
  declare readonly details: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = []) {
    super('validation_failed', message, issues);
  }
}

export class NotFoundError extends StorekeeperError {
  constructor(
    readonly entity: string,
    readonly id: unknown,
  ) {
    super('not_found', `${entity} ${String(id)} not found`);
  }
}

export class ConflictError extends StorekeeperError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}

export class InsufficientStockError extends StorekeeperError {
  constructor(
    readonly productId: number,
    readonly available: number,
    readonly requested: number,
    readonly variantId: number | null = null,
  ) {
    super(
      'insufficient_stock',
      `Insufficient stock for product ${productId}${variantId === null ? '' : ` (variant ${variantId})`}: ${available} available, ${requested} requested`,
      { productId, ...(variantId === null ? {} : { variantId }), available, requested },
    );
  }
}

export class EmptyCartError extends StorekeeperError {
  /** `customerId` null: a guest cart. */
  constructor(readonly customerId: number | null) {
    super('empty_cart', customerId === null ? 'The cart is empty' : `The cart of customer ${customerId} is empty`);
  }
}

export class InvalidStatusTransitionError extends StorekeeperError {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super('invalid_status_transition', `An order cannot go from '${from}' to '${to}'`, { from, to });
  }
}

/** A discount code that cannot be applied or redeemed; `details.reason` says why. */
export class DiscountInvalidError extends StorekeeperError {
  constructor(
    readonly discountCode: string,
    readonly reason: 'unknown' | 'inactive' | 'not_yet_valid' | 'expired' | 'exhausted' | 'already_used' | 'min_subtotal',
    message: string,
  ) {
    super('discount_invalid', message, { code: discountCode, reason });
  }
}

/** A one-time token (password reset, email confirmation) that is unknown, used or expired. */
export class TokenInvalidError extends StorekeeperError {
  constructor(message = 'The token is invalid, expired or already used') {
    super('token_invalid', message);
  }
}

/** The database stayed locked by other writers for longer than the retry budget. */
export class BusyError extends StorekeeperError {
  constructor(message = 'The database is busy; try again') {
    super('busy', message);
  }
}

/**
 * The commit may or may not be on stable storage: it is visible, but its fsync failed (or an I/O
 * error hit the database), so after a power cut it may be gone. A client must check (read its order
 * back) rather than retry blindly. The driver then refuses every further write (fails closed).
 */
export class OutcomeUnknownError extends StorekeeperError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super('outcome_unknown', message);
  }
}

export function isStorekeeperError(e: unknown): e is StorekeeperError {
  return e instanceof StorekeeperError;
}
