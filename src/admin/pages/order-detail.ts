import { randomUUID } from 'node:crypto';
import type { Address } from '../../addresses/address.js';
import type { Order } from '../../orders/service.js';
import { cancelRefunds } from '../../orders/staff-rules.js';
import { TRANSITIONS, type OrderStatus } from '../../orders/status.js';
import type { OrderPayment } from '../../payments/service.js';
import { csrfInput } from '../../web/csrf.js';
import { html, type SafeHtml } from '../../web/html.js';
import type { Staff } from '../context.js';
import { money, notice, when } from '../layout.js';
import type { OrderEmail, OrderRefund } from '../queries.js';
import type { Currency } from '../../money.js';

export type AdminOrder = Order & OrderPayment;

/** The button of each move, named after what it does. */
export const MOVE_LABELS: Record<OrderStatus, string> = {
  pending: 'Mark as pending',
  processing: 'Mark as processing',
  shipped: 'Mark as shipped',
  delivered: 'Mark as delivered',
  cancelled: 'Cancel order',
};

/** What the order page shows besides the order itself. */
export interface OrderExtras {
  emails: OrderEmail[];
  refunds: OrderRefund[];
  /** Quantity of each variant already put back by refunds. */
  restocked: Map<number, number>;
  /** What is left to refund of the captured payment (0 without one). */
  refundableCents: number;
  /** The shop's currency: the refund amount is typed in its units. */
  currency: Currency;
  done?: string;
}

export const PAYMENT_LABELS: Record<OrderPayment['paymentStatus'], string> = {
  unpaid: 'unpaid',
  authorized: 'authorised',
  paid: 'paid',
  partially_refunded: 'partially refunded',
  refunded: 'refunded',
  voided: 'voided',
};

/** A line's name with its variant; a product without options has one variant, titled "Default", not worth showing. */
function lineName(item: Order['items'][number]): string {
  return item.variantTitle && item.variantTitle !== 'Default' ? `${item.productName} (${item.variantTitle})` : item.productName;
}

function address(a: Address | null): SafeHtml {
  if (!a) return html`<p class="muted">None</p>`;
  return html`<address>${a.name}<br>${a.line1}<br>${a.line2 ? html`${a.line2}<br>` : ''}${a.postalCode} ${a.city}${a.region ? `, ${a.region}` : ''}<br>${a.country}${a.phone ? html`<br>${a.phone}` : ''}</address>`;
}

/** The variants of the order's lines with what can still go back on the shelf (ordered − restocked). */
function restockable(order: AdminOrder, restocked: Map<number, number>): { variantId: number; label: string; open: number }[] {
  const byVariant = new Map<number, { label: string; ordered: number }>();
  for (const item of order.items) {
    if (item.variantId === null) continue;
    const known = byVariant.get(item.variantId);
    byVariant.set(item.variantId, { label: lineName(item), ordered: (known?.ordered ?? 0) + item.quantity });
  }
  return [...byVariant].map(([variantId, v]) => ({ variantId, label: v.label, open: v.ordered - (restocked.get(variantId) ?? 0) }));
}

function moves(order: AdminOrder, staff: Staff): SafeHtml {
  const allowed = TRANSITIONS[order.status];
  if (allowed.length === 0) return html`<p>This order is ${order.status}: it has no further moves.</p>`;
  // A staff member may not cancel an order whose cancel refunds money (src/orders/staff-rules.ts).
  const blocked = staff.role !== 'admin' && cancelRefunds(order);
  const offered = allowed.filter((to) => !(to === 'cancelled' && blocked));
  return html`<div class="row">${offered.map(
    (to) =>
      html`<form method="post" action="/admin/orders/${order.id}/status">${csrfInput(staff.csrf)}<input type="hidden" name="status" value="${to}"><button type="submit"${to === 'cancelled' ? html` class="danger"` : ''}>${MOVE_LABELS[to]}</button></form>`,
  )}</div>
  ${allowed.includes('cancelled') && !blocked && cancelRefunds(order) ? html`<p class="hint">Cancelling refunds the ${money(order.paidCents - order.refundedCents)} still held and puts every line back in stock.</p>` : ''}
  ${blocked ? html`<p class="hint">Cancelling would refund the payment: an administrator can do it.</p>` : ''}`;
}

function paymentActions(order: AdminOrder, staff: Staff, extras: OrderExtras): SafeHtml {
  if (staff.role !== 'admin') return html`<p class="hint">Captures and refunds are done by an administrator.</p>`;
  const capture =
    order.paymentStatus === 'authorized'
      ? html`<form method="post" action="/admin/orders/${order.id}/capture" class="inline">${csrfInput(staff.csrf)}
          <p>${money(order.authorizedCents)} is authorised and not yet captured.</p>
          <p><button type="submit">Capture payment</button></p></form>`
      : '';
  if (extras.refundableCents <= 0) return html`${capture}${capture ? '' : html`<p class="muted">Nothing to capture or refund.</p>`}`;
  const lines = restockable(order, extras.restocked);
  const decimals = extras.currency.decimals;
  const pattern = decimals === 0 ? '\\d+' : `\\d+(\\.\\d{1,${decimals}})?`;
  const example = decimals === 0 ? '1250' : (1250 / 10 ** Math.min(decimals, 2)).toFixed(decimals);
  return html`${capture}
    <form method="post" action="/admin/orders/${order.id}/refund" class="stack" aria-labelledby="refund-title">
      <h3 id="refund-title">Refund</h3>
      ${csrfInput(staff.csrf)}<input type="hidden" name="idempotencyKey" value="admin-refund-${randomUUID()}">
      <p><label for="refund-amount">Amount to refund</label><input id="refund-amount" name="amount" inputmode="decimal" required autocomplete="off" aria-describedby="refund-amount-hint" pattern="${pattern}">
        <span id="refund-amount-hint" class="hint">At most ${money(extras.refundableCents)}, for example ${example}</span></p>
      <p><label for="refund-reason">Reason</label><input id="refund-reason" name="reason" maxlength="500" autocomplete="off" aria-describedby="refund-reason-hint"> <span id="refund-reason-hint" class="hint">Kept with the refund</span></p>
      ${lines.length
        ? html`<fieldset><legend>Put back in stock</legend>${lines.map(
            (l) => html`<p><label for="restock-${l.variantId}">Restock ${l.label}</label><input id="restock-${l.variantId}" name="restock-${l.variantId}" type="number" min="0" max="${l.open}" value="0" aria-describedby="restock-${l.variantId}-hint"${l.open === 0 ? html` disabled` : ''}>
              <span id="restock-${l.variantId}-hint" class="hint">${l.open} ordered and not yet restocked</span></p>`,
          )}</fieldset>`
        : ''}
      <p><button type="submit" class="danger">Refund</button></p>
    </form>`;
}

function refundsTable(refunds: OrderRefund[], order: AdminOrder): SafeHtml {
  if (refunds.length === 0) return html``;
  const names = new Map(order.items.filter((i) => i.variantId !== null).map((i) => [i.variantId!, lineName(i)]));
  return html`<h3>Refunds</h3><div class="scroll" tabindex="0"><table>
    <thead><tr><th scope="col">When</th><th scope="col">Amount</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Restocked</th></tr></thead>
    <tbody>${refunds.map(
      (r) => html`<tr><td>${when(r.createdAt)}</td><td>${money(r.amountCents)}</td><td>${r.status}${r.error ? html` <span class="muted">${r.error}</span>` : ''}</td><td>${r.reason ?? '—'}</td>
        <td>${r.restock.length ? r.restock.map((l) => `${l.quantity} × ${names.get(l.variantId) ?? `variant ${l.variantId}`}`).join(', ') : '—'}</td></tr>`,
    )}</tbody></table></div>`;
}

/** The body of /admin/orders/:id. */
export function orderDetail(order: AdminOrder, staff: Staff, extras: OrderExtras): SafeHtml {
  const taxNote = order.pricesIncludeTax ? ' (included)' : '';
  return html`
    ${notice(extras.done)}
    <div class="grid">
      <section class="card" aria-labelledby="summary"><h2 id="summary">Summary</h2>
        <dl>
          <dt>Status</dt><dd><strong>${order.status}</strong></dd>
          <dt>Payment</dt><dd>${PAYMENT_LABELS[order.paymentStatus]}</dd>
          <dt>Customer</dt><dd><a href="/admin/customers/${order.customerId}">${order.customerName}</a> ${order.email}${order.placedAsGuest ? ' (guest)' : ''}</dd>
          <dt>Placed</dt><dd>${when(order.createdAt)}</dd>
          <dt>Total</dt><dd>${money(order.totalCents)}</dd>
        </dl>
        ${moves(order, staff)}
      </section>
      <section class="card" aria-labelledby="timeline"><h2 id="timeline">Status timeline</h2>
        <ol>${order.statusHistory.map((h) => html`<li>${h.status} <span class="muted">${when(h.at)}</span></li>`)}</ol>
      </section>
    </div>
    <section class="card" aria-labelledby="lines"><h2 id="lines">Lines</h2>
      <div class="scroll" tabindex="0"><table>
        <thead><tr><th scope="col">Product</th><th scope="col">SKU</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Tax</th><th scope="col">Subtotal</th></tr></thead>
        <tbody>${order.items.map(
          (i) => html`<tr><td><a href="/admin/products/${i.productId}">${i.productName}</a>${i.variantTitle && i.variantTitle !== 'Default' ? html` <span class="muted">${i.variantTitle}</span>` : ''}</td><td>${i.sku ?? '—'}</td><td>${i.quantity}</td><td>${money(i.priceCents)}</td><td>${money(i.taxCents)} <span class="muted">${i.taxRatePercent}%</span></td><td>${money(i.subtotalCents)}</td></tr>`,
        )}</tbody>
        <tfoot>
          <tr><th scope="row" colspan="5">Subtotal</th><td>${money(order.subtotalCents)}</td></tr>
          ${order.discountCents ? html`<tr><th scope="row" colspan="5">Discount ${order.discountCode ?? ''}</th><td>−${money(order.discountCents)}</td></tr>` : ''}
          <tr><th scope="row" colspan="5">Shipping${order.shippingMethod ? ` (${order.shippingMethod.name})` : ''}</th><td>${money(order.shippingCents)}</td></tr>
          <tr><th scope="row" colspan="5">Tax${taxNote}</th><td>${money(order.taxCents)}</td></tr>
          <tr><th scope="row" colspan="5">Total</th><td><strong>${money(order.totalCents)}</strong></td></tr>
        </tfoot>
      </table></div>
    </section>
    <div class="grid">
      <section class="card" aria-labelledby="ship-to"><h2 id="ship-to">Shipping address</h2>${address(order.shippingAddress)}
        <p>Method: ${order.shippingMethod?.name ?? 'none'}</p></section>
      <section class="card" aria-labelledby="bill-to"><h2 id="bill-to">Billing address</h2>${address(order.billingAddress)}</section>
    </div>
    <section class="card" aria-labelledby="payment"><h2 id="payment">Payment</h2>
      <dl>
        <dt>State</dt><dd>${PAYMENT_LABELS[order.paymentStatus]}</dd>
        <dt>Authorised</dt><dd>${money(order.authorizedCents)}</dd>
        <dt>Paid</dt><dd>${money(order.paidCents)}</dd>
        <dt>Refunded</dt><dd>${money(order.refundedCents)}</dd>
      </dl>
      ${paymentActions(order, staff, extras)}
      ${refundsTable(extras.refunds, order)}
      <h3>Payment ledger</h3>
      ${order.paymentLedger.length === 0
        ? html`<p class="muted">No payment yet.</p>`
        : html`<div class="scroll" tabindex="0"><table aria-label="Payment ledger">
            <thead><tr><th scope="col">When</th><th scope="col">Entry</th><th scope="col">Amount</th><th scope="col">Provider</th><th scope="col">Reference</th></tr></thead>
            <tbody>${order.paymentLedger.map(
              (e) => html`<tr><td>${when(e.at)}</td><td>${e.kind}</td><td>${money(e.amountCents)}</td><td>${e.provider}</td><td class="mono">${e.providerRef ?? '—'}</td></tr>`,
            )}</tbody></table></div>`}
    </section>
    <section class="card" aria-labelledby="emails"><h2 id="emails">Emails</h2>
      ${extras.emails.length === 0
        ? html`<p class="muted">No email for this order yet.</p>`
        : html`<div class="scroll" tabindex="0"><table aria-label="Emails of this order">
            <thead><tr><th scope="col">Queued</th><th scope="col">Email</th><th scope="col">To</th><th scope="col">State</th><th scope="col">Sent</th></tr></thead>
            <tbody>${extras.emails.map(
              (m) => html`<tr><td>${when(m.createdAt)}</td><td>${m.template ?? m.eventType}</td><td>${m.recipient ?? '—'}</td>
                <td>${m.status}${m.status !== 'sent' && m.attempts > 0 ? html` <span class="muted">after ${m.attempts} attempt${m.attempts === 1 ? '' : 's'}${m.lastError ? `: ${m.lastError}` : ''}</span>` : ''}</td><td>${m.sentAt ? when(m.sentAt) : '—'}</td></tr>`,
            )}</tbody></table></div>`}
    </section>`;
}
