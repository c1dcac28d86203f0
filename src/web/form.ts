import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';

/** A parsed `application/x-www-form-urlencoded` body: repeated fields become lists. */
export type FormBody = Record<string, string | string[]>;

/** The largest form a page accepts; anything bigger is a 413 like an oversized JSON body. */
export const FORM_BODY_LIMIT = 64 * 1024;

/**
 * Registers the HTML-form parser on one encapsulated scope (the storefront's or the admin's), so
 * form bodies are accepted by page routes only; the JSON API keeps refusing them with 415.
 */
export function acceptForms(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    const form: FormBody = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      const prior = form[key];
      form[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    done(null, form);
  });
}

/** The body of a page POST as a form (an empty object when there was none). */
export function formOf(body: unknown): FormBody {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as FormBody) : {};
}

/** One text field: the first value when repeated, '' when missing. */
export function field(form: FormBody, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Every value of a repeated field (checkbox groups, multi-selects). */
export function fields(form: FormBody, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A positive integer field (an id or a quantity); a validation error names the field otherwise. */
export function intField(form: FormBody, name: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const text = field(form, name).trim();
  const n = /^-?\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}`, [{ path: name, message: `must be an integer in ${min}..${max}` }]);
  }
  return n;
}
