import type { AddressInput } from '../addresses/address.js';
import type { SavedAddress } from '../addresses/service.js';
import { COUNTRIES, countryName } from '../geo/countries.js';
import { csrfInput } from '../web/csrf.js';
import { html, type SafeHtml } from '../web/html.js';
import { accountNav } from './account-pages.js';
import type { PageContext } from './context.js';
import { formErrors, layout, notice } from './layout.js';
import { t } from './strings.js';

export type AddressValues = Partial<Record<keyof AddressInput, string | null>>;

/** The address fields of a form (address book, checkout), with their visible labels and autocomplete hints. */
export function addressFields(values: AddressValues = {}, idPrefix = 'addr', requireAll = true): SafeHtml {
  const input = (name: keyof AddressInput, label: string, autocomplete: string, required: boolean, max: number) =>
    html`<label for="${idPrefix}-${name}">${label}</label><input id="${idPrefix}-${name}" name="${name}" value="${values[name] ?? ''}" autocomplete="${autocomplete}" maxlength="${max}"${required && requireAll ? html` required` : null}>`;
  const country = values.country ?? '';
  return html`${input('name', t.fullName, 'name', true, 200)}
${input('line1', t.address, 'address-line1', true, 200)}
${input('line2', t.addressLine2, 'address-line2', false, 200)}
${input('city', t.city, 'address-level2', true, 100)}
${input('region', t.region, 'address-level1', false, 100)}
${input('postalCode', t.postalCode, 'postal-code', true, 20)}
<label for="${idPrefix}-country">${t.country}</label>
<select id="${idPrefix}-country" name="country" autocomplete="country"${requireAll ? html` required` : null}><option value="">${t.chooseCountry}</option>${COUNTRIES.map((c) => html`<option value="${c.code}"${c.code === country ? html` selected` : null}>${c.name}</option>`)}</select>
${input('phone', t.phone, 'tel', false, 50)}`;
}

export function formatAddress(a: { name: string; line1: string; line2: string | null; city: string; region: string | null; postalCode: string; country: string }): SafeHtml {
  return html`${a.name}<br>${a.line1}${a.line2 ? html`<br>${a.line2}` : null}<br>${a.postalCode} ${a.city}${a.region ? `, ${a.region}` : ''}<br>${countryName(a.country)}`;
}

export function addressesPage(ctx: PageContext, addresses: SavedAddress[], state: { values?: AddressValues; errors?: string[]; saved?: boolean } = {}): SafeHtml {
  return layout(ctx, {
    title: t.addressBook,
    noindex: true,
    body: html`<h1>${t.addressBook}</h1>
${accountNav('addresses')}
${notice(state.saved ? t.addressSaved : null)}
${addresses.length === 0 ? html`<p>${t.noAddresses}</p>` : null}
<ul class="addresses">
${addresses.map(
  (a) => html`<li><address>${formatAddress(a)}</address>
${a.isDefault ? html`<p class="badge">${t.defaultAddress}</p>` : html`<form method="post" action="/account/addresses/${a.id}/default" class="inline">${csrfInput(ctx.csrf)}<button type="submit" class="link">${t.makeDefault}</button></form>`}
<form method="post" action="/account/addresses/${a.id}/remove" class="inline">${csrfInput(ctx.csrf)}<button type="submit" class="link" aria-label="${t.removeAddress(a.name, a.line1)}">${t.remove}</button></form></li>`,
)}
</ul>
<h2>${t.addAddress}</h2>
${formErrors(state.errors ?? [])}
<form method="post" action="/account/addresses" class="stack narrow">
${csrfInput(ctx.csrf)}
${addressFields(state.values)}
<p><input type="checkbox" id="isDefault" name="isDefault" value="1"> <label for="isDefault">${t.makeDefault}</label></p>
<button type="submit">${t.saveAddress}</button>
</form>`,
  });
}
