import type { CaptureMethod } from './provider.js';

export interface PaymentSettings {
  /** PAYMENT_CAPTURE: automatic (default) captures at once; manual authorises and captures on shipping or by the admin. */
  capture: CaptureMethod;
  /** PAYMENT_TIMEOUT_SECONDS (default 1800): an order unpaid for longer is cancelled and its stock returns. */
  timeoutSeconds: number;
  /** An operation left pending this long is reconciled (PAYMENT_RECONCILE_GRACE_MS, default 60 s). */
  reconcileGraceMs: number;
  /** How often the reconciliation and timeout jobs run (PAYMENT_JOBS_INTERVAL_MS, default 60 s). */
  jobsIntervalMs: number;
}

function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= min ? n : fallback;
}

export function paymentSettings(given: Partial<PaymentSettings> = {}): PaymentSettings {
  return {
    capture: given.capture ?? (process.env.PAYMENT_CAPTURE === 'manual' ? 'manual' : 'automatic'),
    timeoutSeconds: given.timeoutSeconds ?? envInt('PAYMENT_TIMEOUT_SECONDS', 1800, 1),
    reconcileGraceMs: given.reconcileGraceMs ?? envInt('PAYMENT_RECONCILE_GRACE_MS', 60_000),
    jobsIntervalMs: given.jobsIntervalMs ?? envInt('PAYMENT_JOBS_INTERVAL_MS', 60_000, 10),
  };
}
