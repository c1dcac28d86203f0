import { Type } from '@fastify/type-provider-typebox';
import { Cents, Nullable, OrderSchema, StringEnum, Timestamp } from '../http/schemas.js';

const open = { additionalProperties: true } as const;

export const PAYMENT_STATUSES = ['unpaid', 'authorized', 'paid', 'partially_refunded', 'refunded', 'voided'] as const;

export const PaymentSchema = Type.Object(
  {
    id: Type.Integer(),
    provider: Type.String(),
    status: StringEnum(['creating', 'pending', 'authorized', 'captured', 'failed', 'voided'] as const),
    amountCents: Cents,
    currency: Type.String(),
    providerRef: Nullable(Type.String()),
    clientSecret: Type.Optional(Type.String({ description: 'For a client-side confirmation (Stripe.js) while the payment waits for the buyer' })),
    failureCode: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  open,
);

export const LedgerEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    paymentId: Type.Integer(),
    kind: StringEnum(['attempt', 'authorization', 'capture', 'refund', 'void', 'failure'] as const),
    amountCents: Cents,
    currency: Type.String(),
    provider: Type.String(),
    providerRef: Nullable(Type.String()),
    at: Timestamp,
  },
  open,
);

export const RefundSchema = Type.Object(
  {
    id: Type.Integer(),
    status: StringEnum(['pending', 'succeeded', 'failed'] as const),
    amountCents: Cents,
    reason: Nullable(Type.String()),
    restock: Type.Array(Type.Object({ variantId: Type.Integer(), quantity: Type.Integer() })),
    providerRef: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  open,
);

/** An order with its payment figures (derived from the ledger) and the ledger itself. */
export const PaidOrderSchema = Type.Object(
  {
    ...OrderSchema.properties,
    paymentStatus: StringEnum(PAYMENT_STATUSES),
    authorizedCents: Cents,
    paidCents: Cents,
    refundedCents: Cents,
    payments: Type.Array(PaymentSchema),
    paymentLedger: Type.Array(LedgerEntrySchema),
  },
  open,
);
