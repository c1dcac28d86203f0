import type { FastifyInstance } from 'fastify';
import { isStorekeeperError, StorekeeperError, ValidationError } from '../../errors.js';
import { toMinor, type Currency } from '../../money.js';
import type { RestockLine } from '../../payments/service.js';
import { field, formOf, type FormBody } from '../../web/form.js';
import { redirectAfterPost } from '../../web/page.js';
import * as v from '../../validate.js';
import { guard, PAGE, pathId, type AdminContext } from '../context.js';
import { money } from '../layout.js';

/** An amount typed in the currency's units ("12.50") as integer minor units, exactly (no float rounding). */
export function amountField(form: FormBody, name: string, currency: Currency): number {
  const text = field(form, name).trim();
  if (!/^\d{1,13}(\.\d{1,6})?$/.test(text)) {
    throw new ValidationError(`${name} must be an amount such as 12.50`, [{ path: name, message: 'must be a decimal amount' }]);
  }
  const minor = toMinor(Number(text), name, currency);
  if (minor < 1) throw new ValidationError(`${name} must be more than zero`, [{ path: name, message: 'must be > 0' }]);
  return minor;
}

/** The form's `restock-<variantId>` quantities (blank or 0: none), as the payment service takes them. */
export function restockFields(form: FormBody): RestockLine[] {
  const lines: RestockLine[] = [];
  for (const name of Object.keys(form)) {
    const m = /^restock-([1-9]\d{0,15})$/.exec(name);
    if (!m) continue;
    const text = field(form, name).trim();
    if (text === '' || text === '0') continue;
    const quantity = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
    lines.push({ variantId: Number(m[1]), quantity: v.quantity(quantity, name) });
  }
  return lines;
}

/**
 * Capture and refund on the order page: admins only (staff get the 403 page, as the API answers
 * 403), through the payment service, which writes its operation row in one transaction and calls
 * the provider after the commit. The refund form carries an idempotency key made when the page
 * was rendered, so submitting it twice (a double click, a resend after a lost answer) refunds and
 * restocks once.
 */
export function orderPaymentPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.post('/orders/:id/capture', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    const payment = await platform.captureOrder(id);
    const message = payment.status === 'captured' ? `Captured ${money(payment.amountCents)}` : `Capture sent; the payment is ${payment.status}`;
    return redirectAfterPost(reply, `/admin/orders/${id}?done=${encodeURIComponent(message)}`);
  });

  scope.post('/orders/:id/refund', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const id = pathId(request);
    const form = formOf(request.body);
    const key = field(form, 'idempotencyKey').trim();
    if (!/^[\w-]{8,200}$/.test(key)) throw new ValidationError('The refund form is incomplete; reload the order page', [{ path: 'idempotencyKey', message: 'is required' }]);
    const reason = field(form, 'reason').trim();
    const input = { amount: amountField(form, 'amount', platform.shop.currency), ...(reason ? { reason } : {}), restock: restockFields(form) };
    const refund = await platform.refundOrder(id, input, key).catch((e: unknown) => {
      // The same form sent again with other values (Back, edit, resend): its refund was already made.
      if (isStorekeeperError(e) && e.code === 'idempotency_mismatch') {
        throw new StorekeeperError('idempotency_mismatch', 'This refund form was already used for a refund; nothing more was refunded. Reload the order page to make another refund.');
      }
      throw e;
    });
    const restocked = refund.restock.reduce((n, l) => n + l.quantity, 0);
    const message =
      (refund.status === 'succeeded' ? `Refunded ${money(refund.amountCents)}` : `Refund of ${money(refund.amountCents)} is ${refund.status}`) +
      (restocked ? `; ${restocked} back in stock` : '');
    return redirectAfterPost(reply, `/admin/orders/${id}?done=${encodeURIComponent(message)}`);
  });
}
