import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../errors.js';
import { DISCOUNT_TYPES } from '../../promotions/discount.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf, type FormBody } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import * as v from '../../validate.js';
import { guard, idParam, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, nextLink, notice, when } from '../layout.js';

/** A decimal typed in a form (a percent or an amount), as the number the services take. */
function decimalField(form: FormBody, name: string): number {
  const text = field(form, name).trim();
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(text)) throw new ValidationError(`${name} must be a number like 15 or 12.50`, [{ path: name, message: 'must be a number' }]);
  return Number(text);
}

function optionalDay(form: FormBody, name: string): string | null {
  const text = field(form, name).trim();
  if (text === '') return null;
  if (!/^\d{4}-\d\d-\d\d$/.test(text)) throw new ValidationError(`${name} must be a date`, [{ path: name, message: 'must be YYYY-MM-DD' }]);
  return `${text}T00:00:00.000Z`;
}

export function promotionPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/discounts', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const codes = await platform.listDiscountCodes();
    const body = html`
      ${notice(param(request, 'done'))}
      <div class="scroll" tabindex="0"><table>
        <caption class="sr">Discount codes</caption>
        <thead><tr><th scope="col">Code</th><th scope="col">Discount</th><th scope="col">Minimum</th><th scope="col">Until</th><th scope="col">Uses</th><th scope="col">State</th></tr></thead>
        <tbody>${codes.map(
          (c) => html`<tr><td>${c.code}</td><td>${c.type === 'percentage' ? `${c.value}%` : money(c.amountCents ?? 0)}</td><td>${money(c.minSubtotalCents)}</td>
            <td>${c.validUntil ? when(c.validUntil) : '—'}</td><td>${c.redemptionCount}${c.maxRedemptions !== null ? ` of ${c.maxRedemptions}` : ''}</td>
            <td><form method="post" action="/admin/discounts/${c.code}/active">${csrfInput(staff.csrf)}<input type="hidden" name="active" value="${c.active ? '0' : '1'}">
              ${c.active ? 'Active' : 'Inactive'} <button type="submit" aria-label="${c.active ? 'Deactivate' : 'Activate'} ${c.code}">${c.active ? 'Deactivate' : 'Activate'}</button></form></td></tr>`,
        )}</tbody>
      </table></div>
      ${codes.length === 0 ? html`<p>No discount codes yet.</p>` : ''}
      <h2>New discount code</h2>
      <form method="post" action="/admin/discounts" class="card stack">
        ${csrfInput(staff.csrf)}
        <p><label for="code">Code</label><input id="code" name="code" required maxlength="64"></p>
        <p><label for="type">Type</label><select id="type" name="type">${DISCOUNT_TYPES.map((t) => html`<option value="${t}">${t === 'percentage' ? 'Percent off' : 'Amount off'}</option>`)}</select></p>
        <p><label for="value">Value</label><input id="value" name="value" required inputmode="decimal" aria-describedby="value-hint"> <span id="value-hint" class="hint">15 for 15%, or 5.00 off</span></p>
        <p><label for="minSubtotal">Minimum subtotal</label><input id="minSubtotal" name="minSubtotal" inputmode="decimal" value="0"></p>
        <p><label for="validUntil">Valid until (exclusive)</label><input id="validUntil" name="validUntil" type="date"></p>
        <p><label for="maxRedemptions">Maximum uses</label><input id="maxRedemptions" name="maxRedemptions" type="number" min="0"></p>
        <p><input type="checkbox" id="once" name="oncePerCustomer" value="1"><label for="once">Once per customer</label></p>
        <p><button type="submit">Create code</button></p>
      </form>`;
    return render(ctx, request, reply, staff, { title: 'Discount codes', section: 'discounts', body });
  });

  scope.post('/discounts', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const max = field(form, 'maxRedemptions').trim();
    const created = await platform.createDiscountCode({
      code: field(form, 'code'),
      type: v.oneOf(field(form, 'type'), 'type', DISCOUNT_TYPES),
      value: decimalField(form, 'value'),
      minSubtotal: field(form, 'minSubtotal').trim() === '' ? 0 : decimalField(form, 'minSubtotal'),
      validUntil: optionalDay(form, 'validUntil'),
      maxRedemptions: max === '' ? null : v.integer(Number(max), 'maxRedemptions', 0, 1_000_000_000),
      oncePerCustomer: field(form, 'oncePerCustomer') === '1',
    });
    return redirectAfterPost(reply, `/admin/discounts?done=${encodeURIComponent(`Created ${created.code}`)}`);
  });

  scope.post('/discounts/:code/active', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const code = (request.params as { code: string }).code;
    const updated = await platform.updateDiscountCode(code, { active: field(formOf(request.body), 'active') === '1' });
    return redirectAfterPost(reply, `/admin/discounts?done=${encodeURIComponent(`${updated.code} is ${updated.active ? 'active' : 'inactive'}`)}`);
  });

  scope.get('/reviews', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const ratingText = param(request, 'rating');
    const rating = /^[1-5]$/.test(ratingText) ? Number(ratingText) : undefined;
    const hidden = param(request, 'hidden') === '1';
    const page = await ctx.queries.reviews({ rating, hidden }, idParam(request, 'before'));
    const body = html`
      ${notice(param(request, 'done'))}
      <form method="get" action="/admin/reviews" class="filters" role="search" aria-label="Filter reviews">
        <p><label for="rating">Rating</label><select id="rating" name="rating"><option value="">Any</option>${[1, 2, 3, 4, 5].map(
          (r) => html`<option value="${r}"${r === rating ? html` selected` : ''}>${r} star${r > 1 ? 's' : ''}</option>`,
        )}</select></p>
        <p><input type="checkbox" id="hidden" name="hidden" value="1"${hidden ? html` checked` : ''}><label for="hidden">Hidden only</label></p>
        <p><button type="submit">Filter</button></p>
      </form>
      <ul class="reviews">${page.items.map(
        (r) => html`<li class="card"><p><strong>${r.rating}/5</strong> ${r.title ?? ''} — ${r.author} on <a href="/admin/products/${r.productId}">${r.productName}</a> <span class="muted">${when(r.createdAt)}</span>${r.hidden ? html` <em>(hidden)</em>` : ''}</p>
          ${r.body ? html`<p>${r.body}</p>` : ''}
          <form method="post" action="/admin/reviews/${r.id}/hidden">${csrfInput(staff.csrf)}<input type="hidden" name="hidden" value="${r.hidden ? '0' : '1'}"><button type="submit">${r.hidden ? 'Unhide' : 'Hide'} review ${r.id}</button></form></li>`,
      )}</ul>
      ${page.items.length === 0 ? html`<p>No reviews match.</p>` : ''}
      ${nextLink('/admin/reviews', { rating: rating ? String(rating) : undefined, hidden: hidden ? '1' : undefined }, 'before', page.next)}`;
    return render(ctx, request, reply, staff, { title: 'Reviews', section: 'reviews', body });
  });

  scope.post('/reviews/:id/hidden', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const review = await platform.hideReview(pathId(request), field(formOf(request.body), 'hidden') === '1');
    return redirectAfterPost(reply, `/admin/reviews?done=${encodeURIComponent(`Review ${review.id} is ${review.hidden ? 'hidden' : 'visible'}`)}`);
  });
}
