import { StorekeeperError } from '../errors.js';
import type { ClusterJob } from '../jobs/scheduler.js';
import type { EcommercePlatform } from '../platform.js';

/**
 * Cancels orders left unpaid past PAYMENT_TIMEOUT_SECONDS; their stock returns through the
 * inventory ledger (the ordinary cancel). A payment still waiting for the buyer is cancelled at the
 * provider first. An order whose payment started or went through meanwhile is skipped: the check
 * runs again inside the cancel transaction, with the order row locked.
 */
export async function expireUnpaidOrders(platform: EcommercePlatform, timeoutSeconds?: number): Promise<{ cancelled: number[] }> {
  const cancelled: number[] = [];
  for (const id of await platform.payments.expiredUnpaid(timeoutSeconds)) {
    try {
      await platform.payments.abandonPending(id);
      await platform.orders.updateStatus(id, 'cancelled', { onlyFrom: ['pending'], guard: (tx) => platform.payments.assertStillUnpaid(tx, id) });
      cancelled.push(id);
    } catch (e) {
      if (!(e instanceof StorekeeperError)) throw e;
    }
  }
  return { cancelled };
}

/** Reconciliation and the unpaid-order timeout, as once-per-cluster jobs. */
export function paymentJobs(platform: EcommercePlatform): ClusterJob[] {
  const intervalMs = platform.payments.settings.jobsIntervalMs;
  return [
    { name: 'payments-reconcile', intervalMs, run: () => platform.payments.reconcile() },
    { name: 'payments-expire-unpaid', intervalMs, run: () => expireUnpaidOrders(platform) },
  ];
}
