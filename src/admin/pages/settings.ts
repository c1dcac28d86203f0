import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../errors.js';
import { csrfInput } from '../../web/csrf.js';
import { field, formOf, type FormBody } from '../../web/form.js';
import { html } from '../../web/html.js';
import { redirectAfterPost } from '../../web/page.js';
import { guard, PAGE, param, pathId, render, type AdminContext } from '../context.js';
import { money, notice } from '../layout.js';

/** A decimal field as the number the services take (they re-check the decimals exactly). */
function decimal(form: FormBody, name: string, decimals: number): number {
  const text = field(form, name).trim();
  if (!new RegExp(`^\\d{1,10}(\\.\\d{1,${decimals}})?$`).test(text)) {
    throw new ValidationError(`${name} must be a number with at most ${decimals} decimals`, [{ path: name, message: 'must be a number' }]);
  }
  return Number(text);
}

function countries(form: FormBody): string[] {
  return field(form, 'countries')
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
}

const optional = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** Shop settings (admins only): shipping methods and tax rates, over the commerce-rates services. */
export function settingsPages(scope: FastifyInstance, ctx: AdminContext): void {
  const { platform } = ctx;

  scope.get('/settings', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const [methods, rates] = await Promise.all([platform.listShippingMethods(), platform.listTaxRates()]);
    const body = html`
      ${notice(param(request, 'done'))}
      <section class="card" aria-labelledby="shipping"><h2 id="shipping">Shipping methods</h2>
        ${methods.length === 0 ? html`<p>No shipping methods: orders ship free.</p>` : html`<div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">Method</th><th scope="col">Price</th><th scope="col">Free above</th><th scope="col">Countries</th><th scope="col">State</th></tr></thead>
          <tbody>${methods.map(
            (m) => html`<tr><td>${m.name}</td><td>${money(m.priceCents)}</td><td>${m.freeAboveCents === null ? '—' : money(m.freeAboveCents)}</td><td>${m.countries.join(', ')}</td>
              <td><form method="post" action="/admin/settings/shipping/${m.id}/active">${csrfInput(staff.csrf)}<input type="hidden" name="active" value="${m.active ? '0' : '1'}">${m.active ? 'Active' : 'Inactive'}
              <button type="submit" aria-label="${m.active ? 'Deactivate' : 'Activate'} ${m.name}">${m.active ? 'Deactivate' : 'Activate'}</button></form></td></tr>`,
          )}</tbody></table></div>`}
        <h3>New shipping method</h3>
        <form method="post" action="/admin/settings/shipping" class="stack">
          ${csrfInput(staff.csrf)}
          <p><label for="sm-name">Name</label><input id="sm-name" name="name" required maxlength="100"></p>
          <p><label for="sm-price">Price</label><input id="sm-price" name="price" required inputmode="decimal"></p>
          <p><label for="sm-free">Free above (optional)</label><input id="sm-free" name="freeAbove" inputmode="decimal"></p>
          <p><label for="sm-countries">Countries</label><input id="sm-countries" name="countries" required aria-describedby="sm-hint"> <span id="sm-hint" class="hint">ISO codes like DE, FR; * for everywhere</span></p>
          <p><button type="submit">Add shipping method</button></p>
        </form>
      </section>
      <section class="card" aria-labelledby="taxes"><h2 id="taxes">Tax rates</h2>
        ${rates.length === 0 ? html`<p>No tax rates.</p>` : html`<div class="scroll" tabindex="0"><table>
          <thead><tr><th scope="col">Country</th><th scope="col">Rate</th><th scope="col">Category</th><th scope="col">Name</th><th scope="col"><span class="sr">Remove</span></th></tr></thead>
          <tbody>${rates.map(
            (r) => html`<tr><td>${r.country}</td><td>${r.ratePercent}%</td><td>${r.category ?? 'standard'}</td><td>${r.name ?? '—'}</td>
              <td><form method="post" action="/admin/settings/tax/${r.id}/delete">${csrfInput(staff.csrf)}<button type="submit" class="danger" aria-label="Remove the ${r.country} ${r.ratePercent}% rate">Remove</button></form></td></tr>`,
          )}</tbody></table></div>`}
        <h3>New tax rate</h3>
        <form method="post" action="/admin/settings/tax" class="stack">
          ${csrfInput(staff.csrf)}
          <p><label for="tr-country">Country</label><input id="tr-country" name="country" required maxlength="2" aria-describedby="tr-hint"> <span id="tr-hint" class="hint">ISO code, like DE</span></p>
          <p><label for="tr-rate">Rate (percent)</label><input id="tr-rate" name="ratePercent" required inputmode="decimal"></p>
          <p><label for="tr-category">Category (optional)</label><input id="tr-category" name="category" maxlength="100"></p>
          <p><label for="tr-name">Name (optional)</label><input id="tr-name" name="name" maxlength="100"></p>
          <p><button type="submit">Add tax rate</button></p>
        </form>
      </section>`;
    return render(ctx, request, reply, staff, { title: 'Settings', section: 'settings', body });
  });

  scope.post('/settings/shipping', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const created = await platform.createShippingMethod({
      name: field(form, 'name'),
      price: decimal(form, 'price', 2),
      freeAbove: field(form, 'freeAbove').trim() === '' ? null : decimal(form, 'freeAbove', 2),
      countries: countries(form),
    });
    return redirectAfterPost(reply, `/admin/settings?done=${encodeURIComponent(`Added ${created.name}`)}`);
  });

  scope.post('/settings/shipping/:id/active', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const m = await platform.updateShippingMethod(pathId(request), { active: field(formOf(request.body), 'active') === '1' });
    return redirectAfterPost(reply, `/admin/settings?done=${encodeURIComponent(`${m.name} is ${m.active ? 'active' : 'inactive'}`)}`);
  });

  scope.post('/settings/tax', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    const form = formOf(request.body);
    const rate = await platform.createTaxRate({
      country: field(form, 'country').trim().toUpperCase(),
      ratePercent: decimal(form, 'ratePercent', 3),
      category: optional(field(form, 'category')),
      name: optional(field(form, 'name')),
    });
    return redirectAfterPost(reply, `/admin/settings?done=${encodeURIComponent(`Added ${rate.country} ${rate.ratePercent}%`)}`);
  });

  scope.post('/settings/tax/:id/delete', PAGE, async (request, reply) => {
    const staff = await guard(ctx, request, reply, 'admin');
    if (!staff) return reply;
    await platform.removeTaxRate(pathId(request));
    return redirectAfterPost(reply, '/admin/settings?done=Tax+rate+removed');
  });
}
