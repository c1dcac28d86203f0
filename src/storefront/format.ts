import { CURRENCIES } from '../money.js';

const formats = new Map<string, Intl.NumberFormat>();

/** Minor units of an ISO 4217 currency to display text ("$1,299.99", "¥1,300"); display only, never arithmetic. */
export function money(minor: number, currency = 'USD'): string {
  const decimals = CURRENCIES[currency] ?? 2;
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formats.set(currency, format);
  }
  return format.format(minor / 10 ** decimals);
}

/** The price as schema.org wants it: a plain decimal string. */
export function decimalPrice(minor: number, currency = 'USD'): string {
  const decimals = CURRENCIES[currency] ?? 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (decimals === 0) return `${sign}${abs}`;
  const whole = Math.floor(abs / 10 ** decimals);
  return `${sign}${whole}.${String(abs % 10 ** decimals).padStart(decimals, '0')}`;
}

export function date(iso: string): string {
  return iso.slice(0, 10);
}

export function dateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A URL path segment for a product's readable link: /product/12/wireless-mouse. */
export function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'product'
  );
}

export function productPath(p: { id: number; name: string }): string {
  return `/product/${p.id}/${slug(p.name)}`;
}

export function categoryPath(name: string): string {
  return `/category/${encodeURIComponent(name)}`;
}
