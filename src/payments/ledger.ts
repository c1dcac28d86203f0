import { randomBytes } from 'node:crypto';
import type { Executor } from '../db/driver.js';
import { now } from '../db/sql.js';
import { NotFoundError } from '../errors.js';
import type { ProviderPayment, ProviderRefund } from './provider.js';

export type PaymentStatus = 'unpaid' | 'authorized' | 'paid' | 'partially_refunded' | 'refunded' | 'voided';
export type PaymentRowStatus = 'creating' | 'pending' | 'authorized' | 'captured' | 'failed' | 'voided';
export type OperationKind = 'create' | 'capture' | 'refund' | 'void';

export interface PaymentRow {
  id: number;
  order_id: number;
  provider: string;
  provider_ref: string | null;
  status: PaymentRowStatus;
  amount_cents: number;
  currency: string;
  capture_method: 'automatic' | 'manual';
  client_secret: string | null;
  failure_code: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderPaymentRow {
  id: number;
  status: string;
  total_cents: number;
  payment_status: PaymentStatus;
  authorized_cents: number;
  paid_cents: number;
  refunded_cents: number;
}

/** The provider's view of one payment, as a result or a webhook carries it. */
export type ProviderState = Pick<ProviderPayment, 'status' | 'amountCents' | 'currency' | 'capturedCents' | 'refunds'> & { failureCode?: string };

/** Locks the order row for the rest of the transaction (PostgreSQL; SQLite writers are serial already). */
export async function lockOrder(tx: Executor, orderId: number): Promise<OrderPaymentRow> {
  const row = await tx.get<OrderPaymentRow>(
    `SELECT id, status, total_cents, payment_status, authorized_cents, paid_cents, refunded_cents FROM orders WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    [orderId],
  );
  if (!row) throw new NotFoundError('Order', orderId);
  return row;
}

/** Appends a ledger entry once: `entryKey` names the effect, so a repeat of it inserts nothing. */
export async function appendEntry(
  tx: Executor,
  p: PaymentRow,
  kind: 'attempt' | 'authorization' | 'capture' | 'refund' | 'void' | 'failure',
  amountCents: number,
  entryKey: string,
  providerRef: string | null,
): Promise<boolean> {
  const r = await tx.run(
    `INSERT INTO payment_ledger (order_id, payment_id, kind, amount_cents, currency, provider, provider_ref, entry_key, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_key) DO NOTHING`,
    [p.order_id, p.id, kind, amountCents, p.currency, p.provider, providerRef, entryKey, now()],
  );
  return r.changes === 1;
}

export interface PaymentEvent {
  type: 'order.paid' | 'order.refunded';
  orderId: number;
  /** order.paid: what was captured; order.refunded: this refund. */
  amountCents: number;
}

/** Receives payment events inside the transaction that changed the figures (the outbox's emit). */
export type PaymentEventSink = (tx: Executor, event: PaymentEvent) => Promise<void>;

/**
 * The order's figures, derived from the ledger, written back to the order row; returns the new
 * status. An event is emitted when the figures moved, so a repeated effect (which appends nothing)
 * emits nothing.
 */
export async function recomputeOrder(tx: Executor, orderId: number, sink?: PaymentEventSink): Promise<PaymentStatus> {
  const prior = await tx.get<{ paid_cents: number; refunded_cents: number }>('SELECT paid_cents, refunded_cents FROM orders WHERE id = ?', [orderId]);
  const sums = await tx.all<{ kind: string; total: number }>(
    'SELECT kind, SUM(amount_cents) AS total FROM payment_ledger WHERE order_id = ? GROUP BY kind',
    [orderId],
  );
  const sum = (k: string) => Number(sums.find((s) => s.kind === k)?.total ?? 0);
  const voided = sum('void');
  const authorized = Math.max(0, sum('authorization') - voided);
  const paid = sum('capture');
  const refunded = sum('refund');
  const status: PaymentStatus =
    refunded > 0 ? (refunded >= paid ? 'refunded' : 'partially_refunded') : paid > 0 ? 'paid' : authorized > 0 ? 'authorized' : voided > 0 ? 'voided' : 'unpaid';
  await tx.run('UPDATE orders SET payment_status = ?, authorized_cents = ?, paid_cents = ?, refunded_cents = ?, updated_at = ? WHERE id = ?', [
    status,
    Math.max(authorized, paid),
    paid,
    refunded,
    now(),
    orderId,
  ]);
  if (sink && prior) {
    if (Number(prior.paid_cents) === 0 && paid > 0) await sink(tx, { type: 'order.paid', orderId, amountCents: paid });
    if (refunded > Number(prior.refunded_cents)) await sink(tx, { type: 'order.refunded', orderId, amountCents: refunded - Number(prior.refunded_cents) });
  }
  return status;
}

/** Writes an operation row with its parameters frozen and its own idempotency key; `null` when one of a kind that happens once exists. */
export async function createOperation(
  tx: Executor,
  p: PaymentRow,
  kind: OperationKind,
  amountCents: number,
  params: Record<string, unknown>,
  request: { key: string; hash: string } | null = null,
): Promise<number | null> {
  const nonce = randomBytes(9).toString('base64url');
  const at = now();
  const row = await tx.get<{ id: number }>(
    `INSERT INTO payment_operations (order_id, payment_id, kind, amount_cents, params, idempotency_key, request_key, request_hash, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    [p.order_id, p.id, kind, amountCents, JSON.stringify(params), `tmp_${nonce}`, request?.key ?? null, request?.hash ?? null, at, at],
  );
  if (!row) return null;
  // The key names the row, so every retry of this operation, from any process, sends the same one.
  await tx.run('UPDATE payment_operations SET idempotency_key = ? WHERE id = ?', [`sk_${kind}_${row.id}_${nonce}`, row.id]);
  return Number(row.id);
}

const RANK: Record<ProviderPayment['status'] | PaymentRowStatus, number> = {
  creating: 0,
  requires_action: 1,
  pending: 1,
  authorized: 2,
  captured: 3,
  voided: 3,
  failed: 3,
};

export interface ApplyResult {
  /** Why the state was recorded but not applied (amount or currency mismatch, over-refund, …). */
  flag: string | null;
  before: PaymentStatus;
  after: PaymentStatus;
  /** Operations this change calls for (a cancelled order that got paid is voided or refunded); run them after commit. */
  followUps: number[];
}

/**
 * Brings our record of one payment up to the provider's state, inside the caller's transaction.
 * States only move forward and every effect is a ledger entry with its own key, so applying the
 * same state twice, or an older state after a newer one, changes nothing.
 */
export async function applyProviderState(
  tx: Executor,
  payment: PaymentRow,
  state: ProviderState,
  providerRef: string | null,
  sink?: PaymentEventSink,
): Promise<ApplyResult> {
  const order = await lockOrder(tx, payment.order_id);
  const p = (await tx.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [payment.id]))!;
  const result: ApplyResult = { flag: null, before: order.payment_status, after: order.payment_status, followUps: [] };
  if (Number(state.amountCents) !== Number(p.amount_cents) || state.currency.toUpperCase() !== p.currency.toUpperCase()) {
    result.flag = `mismatch: provider has ${state.amountCents} ${state.currency}, we expect ${p.amount_cents} ${p.currency}`;
    return result;
  }
  let status = p.status;
  const target = state.status === 'requires_action' ? 'pending' : state.status;
  if (status === 'failed' && (target === 'authorized' || target === 'captured')) {
    // A payment we had seen fail went through after all: take it back unless another one is live.
    const live = await tx.get("SELECT id FROM payments WHERE order_id = ? AND id <> ? AND status IN ('creating', 'pending', 'authorized', 'captured')", [p.order_id, p.id]);
    if (live) {
      result.flag = 'a second payment succeeded for an order that already has one; refund it at the provider';
      return result;
    }
    status = 'pending';
  }
  const forward = RANK[target] > RANK[status] && !(status === 'captured' && target === 'voided');
  const next: PaymentRowStatus = forward ? target : status;
  if (next === 'authorized' || next === 'captured') await appendEntry(tx, p, 'authorization', Number(p.amount_cents), `authorization:${p.id}`, providerRef);
  if (next === 'captured') {
    const captured = Math.min(Number(state.capturedCents) || Number(p.amount_cents), Number(p.amount_cents));
    await appendEntry(tx, p, 'capture', captured, `capture:${p.id}`, providerRef);
  }
  // Only an authorisation can be voided; a payment cancelled before it was authorised moved no money.
  if (next === 'voided' && (await tx.get('SELECT id FROM payment_ledger WHERE entry_key = ?', [`authorization:${p.id}`]))) {
    await appendEntry(tx, p, 'void', Number(p.amount_cents), `void:${p.id}`, providerRef);
  }
  if (next === 'failed') await appendEntry(tx, p, 'failure', 0, `failure:${p.id}`, providerRef);
  if (next !== p.status || p.provider_ref === null || (state.failureCode && next === 'failed')) {
    await tx.run('UPDATE payments SET status = ?, provider_ref = COALESCE(provider_ref, ?), failure_code = COALESCE(?, failure_code), updated_at = ? WHERE id = ?', [
      next,
      providerRef,
      next === 'failed' ? (state.failureCode ?? null) : null,
      now(),
      p.id,
    ]);
  }
  if (next === 'captured') {
    for (const refund of state.refunds) {
      if (refund.status !== 'succeeded') continue;
      const flag = await recordRefund(tx, p, refund);
      if (flag) result.flag = flag;
    }
  }
  if (next === 'failed' || next === 'voided') {
    await tx.run("UPDATE payment_operations SET status = 'failed', error = ?, updated_at = ? WHERE payment_id = ? AND kind = 'capture' AND status = 'pending'", [
      `payment ${next}`,
      now(),
      p.id,
    ]);
  }
  result.after = await recomputeOrder(tx, p.order_id, sink);
  if (order.status === 'cancelled') result.followUps = await settleCancelled(tx, p.order_id);
  return result;
}

/** One refund the provider holds: a ledger entry once per refund id, never beyond what was paid. */
export async function recordRefund(tx: Executor, p: PaymentRow, refund: ProviderRefund): Promise<string | null> {
  const known = await tx.get('SELECT id FROM payment_ledger WHERE entry_key = ?', [`refund:${p.provider}:${refund.ref}`]);
  if (!known) {
    const totals = await tx.get<{ paid: number; refunded: number }>(
      `SELECT COALESCE(SUM(CASE WHEN kind = 'capture' THEN amount_cents ELSE 0 END), 0) AS paid,
              COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount_cents ELSE 0 END), 0) AS refunded
       FROM payment_ledger WHERE payment_id = ?`,
      [p.id],
    );
    if (Number(totals!.refunded) + refund.amountCents > Number(totals!.paid)) return `refund ${refund.ref} of ${refund.amountCents} exceeds what is left of the payment`;
    await appendEntry(tx, p, 'refund', refund.amountCents, `refund:${p.provider}:${refund.ref}`, refund.ref);
  }
  if (refund.key) {
    await tx.run("UPDATE payment_operations SET status = 'succeeded', provider_ref = ?, updated_at = ? WHERE idempotency_key = ? AND status = 'pending'", [
      refund.ref,
      now(),
      refund.key,
    ]);
  }
  return null;
}

/** Cents of the captured payment not yet refunded or promised to a refund still in flight. */
export async function refundable(tx: Executor, paymentId: number): Promise<number> {
  const r = await tx.get<{ paid: number; reserved: number }>(
    `SELECT (SELECT COALESCE(SUM(amount_cents), 0) FROM payment_ledger WHERE payment_id = ? AND kind = 'capture') AS paid,
            (SELECT COALESCE(SUM(amount_cents), 0) FROM payment_operations WHERE payment_id = ? AND kind = 'refund' AND status <> 'failed') AS reserved`,
    [paymentId, paymentId],
  );
  return Number(r!.paid) - Number(r!.reserved);
}

/** A cancelled order keeps no money: an authorisation is voided, a capture refunded in full, each once. */
export async function settleCancelled(tx: Executor, orderId: number): Promise<number[]> {
  const p = await tx.get<PaymentRow>("SELECT * FROM payments WHERE order_id = ? AND status IN ('authorized', 'captured')", [orderId]);
  if (!p) return [];
  if (p.status === 'authorized') {
    const op = await createOperation(tx, p, 'void', Number(p.amount_cents), { reason: 'order cancelled' });
    return op === null ? [] : [op];
  }
  const left = await refundable(tx, p.id);
  if (left <= 0) return [];
  const op = await createOperation(tx, p, 'refund', left, { amountCents: left, reason: 'order cancelled', restock: [] }, { key: `cancel:${p.id}`, hash: 'cancel' });
  return op === null ? [] : [op];
}
