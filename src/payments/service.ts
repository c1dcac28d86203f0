import type { Driver, Executor } from '../db/driver.js';
import { inList, isUniqueViolation, now } from '../db/sql.js';
import { ConflictError, NotFoundError, StorekeeperError, ValidationError } from '../errors.js';
import { applyVariantStockDelta } from '../inventory/service.js';
import { requestHash } from '../orders/idempotent-checkout.js';
import type { OrderStatus } from '../orders/status.js';
import * as v from '../validate.js';
import { paymentSettings, type PaymentSettings } from './config.js';
import { OrderUnpaidError, PaymentDeclinedError, ProviderUnavailableError } from './errors.js';
import {
  appendEntry,
  applyProviderState,
  createOperation,
  lockOrder,
  recomputeOrder,
  recordRefund,
  refundable,
  settleCancelled,
  type OperationKind,
  type PaymentEventSink,
  type PaymentRow,
  type PaymentStatus,
} from './ledger.js';
import { ProviderDeclinedError, ProviderRejectedError, type PaymentProvider, type ProviderPayment, type ProviderRefund } from './provider.js';
import { TestProvider } from './providers/test.js';

export interface PaymentView {
  id: number;
  provider: string;
  status: PaymentRow['status'];
  amountCents: number;
  currency: string;
  providerRef: string | null;
  clientSecret?: string;
  failureCode: string | null;
  createdAt: string;
}

export interface LedgerEntry {
  id: number;
  paymentId: number;
  kind: 'attempt' | 'authorization' | 'capture' | 'refund' | 'void' | 'failure';
  amountCents: number;
  currency: string;
  provider: string;
  providerRef: string | null;
  at: string;
}

export interface RestockLine {
  variantId: number;
  quantity: number;
}

export interface RefundView {
  id: number;
  status: 'pending' | 'succeeded' | 'failed';
  amountCents: number;
  reason: string | null;
  restock: RestockLine[];
  providerRef: string | null;
  createdAt: string;
}

/** What an order shows of its money: figures derived from the ledger, and the ledger itself. */
export interface OrderPayment {
  paymentStatus: PaymentStatus;
  authorizedCents: number;
  paidCents: number;
  refundedCents: number;
  payments: PaymentView[];
  paymentLedger: LedgerEntry[];
}

export interface PayInput {
  provider?: string;
  card?: string;
}

export interface RefundInput {
  amount?: number;
  reason?: string;
  restock?: RestockLine[];
}

interface OperationRow {
  id: number;
  order_id: number;
  payment_id: number;
  kind: OperationKind;
  amount_cents: number;
  params: string;
  idempotency_key: string;
  request_hash: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  provider_ref: string | null;
  error: string | null;
  created_at: string;
}

const LIVE = "('creating', 'pending', 'authorized', 'captured')";
const RETRY_DELAYS_MS = [100, 400];

/**
 * Payments (docs/PAYMENTS.md). Every call that moves money is an operation row written (its
 * parameters frozen, its idempotency key derived from the row) in a transaction that checks the
 * invariants, then executed against the provider after that commit, then recorded in a second
 * transaction that appends to the payment ledger. No provider call runs inside a transaction.
 */
export class PaymentService {
  readonly settings: PaymentSettings;
  private readonly providers = new Map<string, PaymentProvider>();
  private readonly loading = new Map<string, Promise<PaymentProvider>>();
  readonly testProvider: TestProvider;
  /** Payment events (`order.paid`, `order.refunded`), called inside the transaction that caused them. */
  onEvent: PaymentEventSink | null = null;
  private readonly sink: PaymentEventSink = (tx, event) => this.onEvent?.(tx, event) ?? Promise.resolve();
  /** Called with errors of work that runs after a response (follow-up voids and refunds). */
  onBackgroundError: (error: unknown) => void = () => undefined;

  constructor(
    private readonly db: Driver,
    settings: Partial<PaymentSettings> = {},
  ) {
    this.settings = paymentSettings(settings);
    this.testProvider = new TestProvider(db);
    this.testProvider.deliver = (raw, headers) => this.handleWebhook('test', raw, headers);
    this.register(this.testProvider);
  }

  register(provider: PaymentProvider): void {
    this.providers.set(provider.name, provider);
  }

  /** A registered provider; `stripe` is created on first use from STRIPE_SECRET_KEY. */
  async provider(name: string): Promise<PaymentProvider> {
    const known = this.providers.get(name);
    if (known) return known;
    if (name === 'stripe' && process.env.STRIPE_SECRET_KEY) {
      let loading = this.loading.get(name);
      if (!loading) {
        loading = import('./providers/stripe.js').then(({ StripeProvider }) => {
          const p = StripeProvider.fromEnv(this.settings.capture);
          this.register(p);
          return p;
        });
        this.loading.set(name, loading);
      }
      return loading;
    }
    throw new ValidationError(`Unknown payment provider '${name}'`, [{ path: 'provider', message: `must be one of: ${[...this.providers.keys(), 'stripe'].join(', ')}` }]);
  }

  /** The order's currency (the shop's at checkout): every amount is in its minor units. */
  private async currencyOf(tx: Executor, orderId: number): Promise<string> {
    const row = await tx.get<{ currency: string }>('SELECT currency FROM orders WHERE id = ?', [orderId]);
    return row!.currency.toUpperCase();
  }

  /** Pays an order in full. The caller has checked that the order is the buyer's. */
  async pay(orderId: number, input: PayInput = {}): Promise<PaymentView> {
    const oid = v.id(orderId, 'orderId');
    const body = v.record(input, 'payment', ['provider', 'card']);
    const provider = await this.provider(body.provider === undefined ? 'test' : v.text(body.provider, 'provider', 32, 1));
    const card = body.card === undefined ? undefined : v.text(body.card, 'card', 64, 1);
    let opId: number;
    try {
      opId = await this.db.transaction(async (tx) => {
        const order = await lockOrder(tx, oid);
        if (order.status === 'cancelled' || order.status === 'delivered') throw new ConflictError(`Order ${oid} is ${order.status}`);
        if (order.payment_status !== 'unpaid' && order.payment_status !== 'voided') {
          throw new ConflictError(`Order ${oid} is already ${order.payment_status}; nothing was charged`, { paymentStatus: order.payment_status });
        }
        const live = await tx.get<{ id: number }>(`SELECT id FROM payments WHERE order_id = ? AND status IN ${LIVE}`, [oid]);
        if (live) throw new ConflictError(`A payment for order ${oid} is already in progress; nothing was charged`, { paymentId: Number(live.id) });
        const amount = Number(order.total_cents);
        if (amount <= 0) throw new ConflictError(`Order ${oid} has nothing to pay`);
        const currency = await this.currencyOf(tx, oid);
        const at = now();
        const p = (await tx.get<PaymentRow>(
          `INSERT INTO payments (order_id, provider, status, amount_cents, currency, capture_method, created_at, updated_at)
           VALUES (?, ?, 'creating', ?, ?, ?, ?, ?) RETURNING *`,
          [oid, provider.name, amount, currency, this.settings.capture, at, at],
        ))!;
        await appendEntry(tx, p, 'attempt', amount, `attempt:${p.id}`, null);
        const params = { amountCents: amount, currency, captureMethod: this.settings.capture, card };
        return (await createOperation(tx, p, 'create', amount, params))!;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`A payment for order ${oid} is already in progress; nothing was charged`);
      throw e;
    }
    const op = await this.execute(opId);
    return (await this.paymentView(op.payment_id))!;
  }

  /** Captures an authorised payment (manual capture), at most once per payment. */
  async capture(orderId: number, amount?: number): Promise<PaymentView> {
    const oid = v.id(orderId, 'orderId');
    const cents = amount === undefined ? undefined : v.integer(amount, 'amount', 1, Number.MAX_SAFE_INTEGER);
    const opId = await this.db.transaction(async (tx) => {
      await lockOrder(tx, oid);
      const p = await tx.get<PaymentRow>(`SELECT * FROM payments WHERE order_id = ? AND status IN ${LIVE}`, [oid]);
      if (!p || p.status !== 'authorized') throw new ConflictError(`Order ${oid} has no authorised payment to capture`, { paymentStatus: p?.status ?? 'unpaid' });
      const value = cents ?? Number(p.amount_cents);
      if (value > Number(p.amount_cents)) throw new ConflictError(`Cannot capture ${value}: ${p.amount_cents} is authorised`);
      const created = await createOperation(tx, p, 'capture', value, { amountCents: value });
      if (created !== null) return created;
      return Number((await tx.get<{ id: number }>("SELECT id FROM payment_operations WHERE payment_id = ? AND kind = 'capture'", [p.id]))!.id);
    });
    const op = await this.execute(opId);
    return (await this.paymentView(op.payment_id))!;
  }

  /**
   * Refunds part or all of what was paid, optionally putting goods back into stock. With a
   * request key, a retry returns the first refund and restocks nothing twice.
   */
  async refund(orderId: number, input: RefundInput = {}, requestKey: string | null = null): Promise<RefundView> {
    const oid = v.id(orderId, 'orderId');
    const body = v.record(input, 'refund', ['amount', 'reason', 'restock']);
    const amount = body.amount === undefined ? undefined : v.integer(body.amount, 'amount', 1, Number.MAX_SAFE_INTEGER);
    const reason = body.reason === undefined ? null : v.text(body.reason, 'reason', 500);
    const restock = this.restockLines(body.restock);
    const key = requestKey === null ? null : v.text(requestKey, 'idempotencyKey', 255, 1);
    const hash = requestHash({ amount: amount ?? null, reason, restock });
    const find = (ex: Executor) => ex.get<OperationRow>("SELECT * FROM payment_operations WHERE order_id = ? AND request_key = ? AND kind = 'refund'", [oid, key]);
    const replay = (op: OperationRow): number => {
      if (op.request_hash !== hash) throw new StorekeeperError('idempotency_mismatch', 'This Idempotency-Key was already used with a different refund');
      return Number(op.id);
    };
    let opId: number;
    try {
      opId = await this.db.transaction(async (tx) => {
        await lockOrder(tx, oid);
        if (key !== null) {
          const prior = await find(tx);
          if (prior) return replay(prior);
        }
        const p = await tx.get<PaymentRow>("SELECT * FROM payments WHERE order_id = ? AND status = 'captured'", [oid]);
        if (!p) throw new ConflictError(`Order ${oid} has no captured payment to refund`);
        const left = await refundable(tx, p.id);
        const value = amount ?? left;
        if (value <= 0 || value > left) throw new ConflictError(`Cannot refund ${value}: ${left} is left to refund; nothing was refunded`, { refundableCents: left });
        const id = await createOperation(tx, p, 'refund', value, { amountCents: value, reason, restock }, key === null ? null : { key, hash });
        if (id === null) throw new ConflictError('A concurrent refund used this Idempotency-Key; retry');
        await this.restock(tx, oid, id, restock);
        return id;
      });
    } catch (e) {
      const prior = key !== null && isUniqueViolation(e) ? await find(this.db) : undefined;
      if (!prior) throw e;
      opId = replay(prior);
    }
    await this.execute(opId).catch((e: unknown) => {
      // A refund the provider could not take yet stays pending and is reconciled; the caller sees it pending.
      if (!(e instanceof ProviderUnavailableError)) throw e;
    });
    return this.refundView((await this.db.get<OperationRow>('SELECT * FROM payment_operations WHERE id = ?', [opId]))!);
  }

  private restockLines(raw: unknown): RestockLine[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || raw.length > 1000) throw new ValidationError('restock must be a list', [{ path: 'restock', message: 'must be an array of at most 1000 lines' }]);
    const merged = new Map<number, number>();
    raw.forEach((line: unknown, i) => {
      const l = v.record(line, `restock[${i}]`, ['variantId', 'quantity']);
      const vid = v.id(l.variantId, `restock[${i}].variantId`);
      merged.set(vid, (merged.get(vid) ?? 0) + v.quantity(l.quantity, `restock[${i}].quantity`));
    });
    return [...merged].sort(([a], [b]) => a - b).map(([variantId, quantity]) => ({ variantId, quantity }));
  }

  /** Goods back on the shelf, through the inventory ledger; never more than ordered and not yet restocked. */
  private async restock(tx: Executor, orderId: number, opId: number, lines: RestockLine[]): Promise<void> {
    for (const line of lines) {
      const r = await tx.get<{ ordered: number; restocked: number }>(
        `SELECT (SELECT COALESCE(SUM(quantity), 0) FROM order_items WHERE order_id = ? AND variant_id = ?) AS ordered,
                (SELECT COALESCE(SUM(quantity), 0) FROM payment_restocks WHERE order_id = ? AND variant_id = ?) AS restocked`,
        [orderId, line.variantId, orderId, line.variantId],
      );
      const open = Number(r!.ordered) - Number(r!.restocked);
      if (line.quantity > open) {
        throw new ConflictError(`Cannot restock ${line.quantity} of variant ${line.variantId}: ${open} ordered and not yet restocked; nothing was refunded`, {
          variantId: line.variantId,
          restockable: open,
        });
      }
      await tx.run('INSERT INTO payment_restocks (operation_id, order_id, variant_id, quantity) VALUES (?, ?, ?, ?)', [opId, orderId, line.variantId, line.quantity]);
      await applyVariantStockDelta(tx, line.variantId, line.quantity, 'refund restock', orderId);
    }
  }

  /**
   * Executes one operation against its provider with the key of its row (on every retry), then
   * records the outcome. Pending after a lost answer; a later call (reconciliation) asks again
   * with the same key, and the provider answers with the first result.
   */
  async execute(opId: number): Promise<OperationRow> {
    const op = (await this.db.get<OperationRow>('SELECT * FROM payment_operations WHERE id = ?', [opId]))!;
    if (op.status !== 'pending') return op;
    const payment = (await this.db.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [op.payment_id]))!;
    const provider = await this.provider(payment.provider);
    let outcome: ProviderPayment | ProviderRefund;
    try {
      outcome = await withRetry(() => this.call(provider, op, payment));
    } catch (e) {
      if (e instanceof ProviderDeclinedError || e instanceof ProviderRejectedError) {
        await this.db.transaction(async (tx) => {
          await lockOrder(tx, op.order_id);
          const done = await tx.run("UPDATE payment_operations SET status = 'failed', error = ?, updated_at = ? WHERE id = ? AND status = 'pending'", [e.message, now(), op.id]);
          if (done.changes === 1 && op.kind === 'create') {
            const code = e instanceof ProviderDeclinedError ? e.declineCode : 'rejected';
            const state = { status: 'failed' as const, amountCents: Number(payment.amount_cents), currency: payment.currency, capturedCents: 0, refunds: [], failureCode: code };
            await applyProviderState(tx, payment, state, payment.provider_ref, this.sink);
          }
        });
        if (e instanceof ProviderDeclinedError) throw new PaymentDeclinedError(e.declineCode);
        throw new ConflictError(`The payment provider refused the ${op.kind}: ${e.message}`);
      }
      throw new ProviderUnavailableError(payment.provider, op.id);
    }
    const followUps = await this.db.transaction(async (tx) => {
      await lockOrder(tx, op.order_id);
      const ref = 'capturedCents' in outcome ? outcome.ref : payment.provider_ref;
      await tx.run("UPDATE payment_operations SET status = 'succeeded', provider_ref = ?, updated_at = ? WHERE id = ? AND status = 'pending'", [outcome.ref, now(), op.id]);
      if (op.kind === 'refund') {
        const refund = outcome as ProviderRefund;
        // A refund the provider settles later (pending) reaches the ledger with its webhook or reconciliation.
        if (refund.status === 'succeeded') await recordRefund(tx, payment, refund);
        if (refund.status === 'failed') await tx.run("UPDATE payment_operations SET status = 'failed', error = 'refund failed at the provider' WHERE id = ?", [op.id]);
        await recomputeOrder(tx, op.order_id, this.sink);
        return [];
      }
      const state = outcome as ProviderPayment;
      if (state.clientSecret) await tx.run('UPDATE payments SET client_secret = ? WHERE id = ? AND client_secret IS NULL', [state.clientSecret, payment.id]);
      return (await applyProviderState(tx, payment, state, ref, this.sink)).followUps;
    });
    this.runLater(followUps);
    return (await this.db.get<OperationRow>('SELECT * FROM payment_operations WHERE id = ?', [opId]))!;
  }

  private call(provider: PaymentProvider, op: OperationRow, payment: PaymentRow): Promise<ProviderPayment | ProviderRefund> {
    const params = JSON.parse(op.params) as { amountCents: number; currency: string; captureMethod: PaymentRow['capture_method']; card?: string };
    switch (op.kind) {
      case 'create':
        return provider.createPayment(
          { amountCents: params.amountCents, currency: params.currency, captureMethod: params.captureMethod, card: params.card, metadata: { orderId: String(op.order_id), paymentId: String(payment.id) } },
          op.idempotency_key,
        );
      case 'capture':
        return provider.capture(payment.provider_ref!, Number(op.amount_cents), op.idempotency_key);
      case 'refund':
        return provider.refund(payment.provider_ref!, Number(op.amount_cents), op.idempotency_key);
      case 'void':
        return provider.void(payment.provider_ref!, op.idempotency_key);
    }
  }

  /** Work an earlier commit asked for, run after the caller's answer; failures are left to reconciliation. */
  runLater(opIds: number[]): void {
    for (const id of opIds) this.execute(id).catch((e: unknown) => this.onBackgroundError(e));
  }

  /**
   * A provider's webhook: verified over the raw body first (a bad signature is a 400 before any
   * parsing or database access), then, in one transaction, the event id is stored (UNIQUE per
   * provider: a repeat changes nothing) together with its effects.
   */
  async handleWebhook(providerName: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<{ outcome: string; flag: string | null }> {
    const provider = this.providers.get(providerName) ?? (providerName === 'stripe' ? await this.provider('stripe').catch(() => undefined) : undefined);
    if (!provider) throw new NotFoundError('Payment provider', providerName);
    const event = provider.parseWebhook(rawBody, headers);
    const result = await this.db.transaction(async (tx) => {
      const stored = await tx.run(
        `INSERT INTO payment_webhook_events (provider, event_id, type, provider_ref, outcome, received_at) VALUES (?, ?, ?, ?, 'received', ?)
         ON CONFLICT (provider, event_id) DO NOTHING`,
        [provider.name, event.id, event.type, event.ref, now()],
      );
      if (stored.changes === 0) return { outcome: 'duplicate', flag: null, followUps: [] as number[] };
      let outcome = 'applied';
      let flag: string | null = null;
      let followUps: number[] = [];
      const payment =
        event.ref === null
          ? undefined
          : ((await tx.get<PaymentRow>('SELECT * FROM payments WHERE provider = ? AND provider_ref = ?', [provider.name, event.ref])) ??
            (event.paymentId && v.isId(Number(event.paymentId))
              ? await tx.get<PaymentRow>('SELECT * FROM payments WHERE provider = ? AND id = ? AND provider_ref IS NULL', [provider.name, Number(event.paymentId)])
              : undefined));
      if (event.type === 'ignored') outcome = 'ignored';
      else if (!payment) outcome = 'unknown_payment';
      else {
        const state = { status: statusOf(event.type), amountCents: event.amountCents, currency: event.currency, capturedCents: event.capturedCents, refunds: event.refunds, failureCode: event.failureCode };
        const applied = await applyProviderState(tx, payment, state, event.ref!, this.sink);
        flag = applied.flag;
        if (flag) outcome = 'flagged';
        followUps = applied.followUps;
      }
      await tx.run('UPDATE payment_webhook_events SET outcome = ?, flag = ?, order_id = ? WHERE provider = ? AND event_id = ?', [
        outcome,
        flag,
        payment?.order_id ?? null,
        provider.name,
        event.id,
      ]);
      return { outcome, flag, followUps };
    });
    this.runLater(result.followUps);
    return { outcome: result.outcome, flag: result.flag };
  }

  /**
   * Resolves what a crash or a lost answer left open: every operation pending for longer than the
   * grace period is executed again with its own key, and every payment still waiting is asked for.
   */
  async reconcile(options: { graceMs?: number } = {}): Promise<{ operations: number; payments: number; failures: number }> {
    const cutoff = new Date(Date.now() - (options.graceMs ?? this.settings.reconcileGraceMs)).toISOString();
    const ops = await this.db.all<{ id: number }>("SELECT id FROM payment_operations WHERE status = 'pending' AND updated_at <= ? ORDER BY id LIMIT 200", [cutoff]);
    let failures = 0;
    for (const op of ops) {
      await this.execute(Number(op.id)).catch(() => failures++);
    }
    const waiting = await this.db.all<PaymentRow>("SELECT * FROM payments WHERE status = 'pending' AND provider_ref IS NOT NULL AND updated_at <= ? ORDER BY id LIMIT 200", [cutoff]);
    for (const p of waiting) {
      try {
        const provider = await this.provider(p.provider);
        const state = await provider.retrieve(p.provider_ref!);
        const followUps = await this.db.transaction(async (tx) => (await applyProviderState(tx, p, state, p.provider_ref!, this.sink)).followUps);
        this.runLater(followUps);
      } catch {
        failures++;
      }
    }
    return { operations: ops.length, payments: waiting.length, failures };
  }

  /**
   * Orders still unpaid past the timeout; the caller cancels them. One whose payment waits for the
   * buyer (pending) is included: `abandonPending` releases that payment first. One whose payment
   * is being created right now is not.
   */
  async expiredUnpaid(timeoutSeconds = this.settings.timeoutSeconds, limit = 200): Promise<number[]> {
    const before = new Date(Date.now() - timeoutSeconds * 1000).toISOString();
    const rows = await this.db.all<{ id: number }>(
      `SELECT o.id FROM orders o WHERE o.status = 'pending' AND o.payment_status IN ('unpaid', 'voided') AND o.created_at < ?
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status IN ('creating', 'authorized', 'captured')) ORDER BY o.id LIMIT ?`,
      [before, limit],
    );
    return rows.map((r) => Number(r.id));
  }

  /**
   * Cancels at the provider a payment of this order that still waits for the buyer, so an
   * abandoned checkout neither holds stock nor can be charged later. If the provider says it went
   * through meanwhile, its state is recorded instead and the order is paid.
   */
  async abandonPending(orderId: number): Promise<void> {
    const opId = await this.db.transaction(async (tx) => {
      await lockOrder(tx, orderId);
      const p = await tx.get<PaymentRow>("SELECT * FROM payments WHERE order_id = ? AND status = 'pending' AND provider_ref IS NOT NULL", [orderId]);
      if (!p) return null;
      return (
        (await createOperation(tx, p, 'void', 0, { reason: 'unpaid timeout' })) ??
        Number((await tx.get<{ id: number }>("SELECT id FROM payment_operations WHERE payment_id = ? AND kind = 'void'", [p.id]))!.id)
      );
    });
    if (opId === null) return;
    try {
      await this.execute(opId);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      const op = (await this.db.get<OperationRow>('SELECT * FROM payment_operations WHERE id = ?', [opId]))!;
      const p = (await this.db.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [op.payment_id]))!;
      const state = await (await this.provider(p.provider)).retrieve(p.provider_ref!);
      this.runLater(await this.db.transaction(async (tx) => (await applyProviderState(tx, p, state, p.provider_ref, this.sink)).followUps));
    }
  }

  /**
   * Brings an order's pending payment up to its provider's state, for a buyer back from the
   * provider's confirmation (Stripe's redirect) before the webhook arrived: the provider is asked
   * outside any transaction, the answer recorded in one, as reconciliation does. Returns whether
   * there was a pending payment to ask about.
   */
  async refreshPending(orderId: number): Promise<boolean> {
    const p = await this.db.get<PaymentRow>("SELECT * FROM payments WHERE order_id = ? AND status = 'pending' AND provider_ref IS NOT NULL ORDER BY id DESC LIMIT 1", [
      v.id(orderId, 'orderId'),
    ]);
    if (!p) return false;
    const state = await (await this.provider(p.provider)).retrieve(p.provider_ref!);
    this.runLater(await this.db.transaction(async (tx) => (await applyProviderState(tx, p, state, p.provider_ref, this.sink)).followUps));
    return true;
  }

  /** Checked inside the cancel transaction (the order row locked): a payment may have started since the list was read. */
  async assertStillUnpaid(tx: Executor, orderId: number): Promise<void> {
    const order = await lockOrder(tx, orderId);
    const live = await tx.get(`SELECT id FROM payments WHERE order_id = ? AND status IN ${LIVE}`, [orderId]);
    if (live || (order.payment_status !== 'unpaid' && order.payment_status !== 'voided')) throw new ConflictError(`Order ${orderId} has a payment under way`);
  }

  /**
   * Called by the order service inside its status-change transaction: fulfilment waits for money;
   * shipping captures a manual authorisation; cancelling voids or refunds. Returns the operations
   * to execute after the commit.
   */
  async onStatusChange(tx: Executor, orderId: number, _from: OrderStatus, to: OrderStatus): Promise<number[]> {
    const order = await lockOrder(tx, orderId);
    if (to === 'processing' && !['authorized', 'paid', 'partially_refunded'].includes(order.payment_status)) throw new OrderUnpaidError(orderId, order.payment_status);
    if (to === 'shipped') {
      const p = await tx.get<PaymentRow>("SELECT * FROM payments WHERE order_id = ? AND status = 'authorized'", [orderId]);
      if (!p) return [];
      const op = await createOperation(tx, p, 'capture', Number(p.amount_cents), { amountCents: Number(p.amount_cents) });
      return op === null ? [] : [op];
    }
    if (to === 'cancelled') return settleCancelled(tx, orderId);
    return [];
  }

  /** The order service's after-commit half: runs the operations the status change wrote. */
  async afterStatusChange(opIds: number[]): Promise<void> {
    for (const id of opIds) await this.execute(id).catch((e: unknown) => this.onBackgroundError(e));
  }

  async paymentView(paymentId: number): Promise<PaymentView | null> {
    const p = await this.db.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [paymentId]);
    return p ? toView(p) : null;
  }

  /** The payment figures and ledger of many orders in three queries. */
  async forOrders(orderIds: number[], ex: Executor = this.db): Promise<Map<number, OrderPayment>> {
    const out = new Map<number, OrderPayment>();
    if (orderIds.length === 0) return out;
    const orders = inList(ex.dialect, 'id', orderIds);
    const byOrder = inList(ex.dialect, 'order_id', orderIds);
    for (const r of await ex.all<{ id: number; payment_status: PaymentStatus; authorized_cents: number; paid_cents: number; refunded_cents: number }>(
      `SELECT id, payment_status, authorized_cents, paid_cents, refunded_cents FROM orders WHERE ${orders.sql}`,
      orders.params,
    )) {
      out.set(Number(r.id), {
        paymentStatus: r.payment_status,
        authorizedCents: Number(r.authorized_cents),
        paidCents: Number(r.paid_cents),
        refundedCents: Number(r.refunded_cents),
        payments: [],
        paymentLedger: [],
      });
    }
    for (const p of await ex.all<PaymentRow>(`SELECT * FROM payments WHERE ${byOrder.sql} ORDER BY id`, byOrder.params)) out.get(Number(p.order_id))?.payments.push(toView(p));
    for (const e of await ex.all<{ id: number; order_id: number; payment_id: number; kind: LedgerEntry['kind']; amount_cents: number; currency: string; provider: string; provider_ref: string | null; at: string }>(
      `SELECT id, order_id, payment_id, kind, amount_cents, currency, provider, provider_ref, at FROM payment_ledger WHERE ${byOrder.sql} ORDER BY id`,
      byOrder.params,
    )) {
      out.get(Number(e.order_id))?.paymentLedger.push({
        id: Number(e.id),
        paymentId: Number(e.payment_id),
        kind: e.kind,
        amountCents: Number(e.amount_cents),
        currency: e.currency,
        provider: e.provider,
        providerRef: e.provider_ref,
        at: e.at,
      });
    }
    return out;
  }

  /** Orders with their payment figures and ledger added. */
  async withPayments<T extends { id: number }>(orders: T[]): Promise<Array<T & OrderPayment>> {
    const map = await this.forOrders(orders.map((o) => o.id));
    return orders.map((o) => ({ ...o, ...map.get(o.id)! }));
  }

  private refundView(op: OperationRow): RefundView {
    return {
      id: Number(op.id),
      status: op.status,
      amountCents: Number(op.amount_cents),
      ...refundTerms(op.params),
      providerRef: op.provider_ref,
      createdAt: op.created_at,
    };
  }
}

/** A refund's reason and restocked lines, as its operation row froze them (`params`). */
export function refundTerms(params: string): { reason: string | null; restock: RestockLine[] } {
  const parsed = JSON.parse(params) as { reason?: string | null; restock?: RestockLine[] };
  return { reason: parsed.reason ?? null, restock: parsed.restock ?? [] };
}

function toView(p: PaymentRow): PaymentView {
  return {
    id: Number(p.id),
    provider: p.provider,
    status: p.status,
    amountCents: Number(p.amount_cents),
    currency: p.currency,
    providerRef: p.provider_ref,
    ...(p.client_secret && (p.status === 'pending' || p.status === 'creating') ? { clientSecret: p.client_secret } : {}),
    failureCode: p.failure_code,
    createdAt: p.created_at,
  };
}

function statusOf(type: string): ProviderPayment['status'] {
  switch (type) {
    case 'payment.authorized':
      return 'authorized';
    case 'payment.captured':
    case 'payment.refunded':
      return 'captured';
    case 'payment.voided':
      return 'voided';
    case 'payment.failed':
      return 'failed';
    default:
      return 'pending';
  }
}

/** Retries what may be a lost answer with the same call (hence the same key); a refusal is final. */
async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ProviderDeclinedError || e instanceof ProviderRejectedError || attempt >= RETRY_DELAYS_MS.length) throw e;
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
  }
}
