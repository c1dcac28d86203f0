import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives as a namespace under NodeNext.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

/**
 * Validation policy, one place for every route:
 * - bodies are never coerced: `"2"` where an integer belongs is a 400, not silently 2;
 * - query strings, path and header parameters are text on the wire, so they are coerced;
 * - unknown fields are rejected (400) in bodies, query strings and path parameters: every object
 *   schema without its own `additionalProperties` gets `additionalProperties: false`;
 * - a body whose fields are all optional may be omitted altogether (it is then `{}`);
 * - no string anywhere may contain U+0000.
 */
const common: Options = { strict: false, useDefaults: true, removeAdditional: false, allErrors: false, allowUnionTypes: true };
const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

type JsonSchema = Record<string, unknown>;

/** Deep copy with `additionalProperties: false` on every object schema that leaves it open by default. */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` and `patternProperties` map names to schemas; the names themselves are not schemas.
    out[key] =
      (key === 'properties' || key === 'patternProperties') && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, s]) => [k, closeObjects(s)]))
        : closeObjects(value);
  }
  if (out.type === 'object' && out.additionalProperties === undefined && out.patternProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly validation: ErrorObject[],
    readonly part: string,
  ) {
    super(`${part} ${describe(validation[0])}`);
  }
}

function describe(e: ErrorObject | undefined): string {
  if (!e) return 'is invalid';
  const at = e.instancePath ? `${e.instancePath.slice(1).replace(/\//g, '.')} ` : '';
  if (e.keyword === 'additionalProperties') return `${at}has unknown field '${String(e.params.additionalProperty)}'`.trim();
  if (e.keyword === 'required') return `${at}is missing '${String(e.params.missingProperty)}'`.trim();
  return `${at}${e.message ?? 'is invalid'}`;
}

/** `{ path, message }` per ajv error, paths like `body.items.0.quantity`. */
export function issuesOf(errors: ErrorObject[], part: string): { path: string; message: string }[] {
  return errors.map((e) => {
    const segments = [part, ...e.instancePath.split('/').filter(Boolean)];
    if (e.keyword === 'required') segments.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
    const message =
      e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    return { path: segments.join('.'), message };
  });
}

/** Where a string holds U+0000 (PostgreSQL cannot store it in text; nothing legitimate sends it), or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nulPath(item, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

const PARTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const part = PARTS[httpPart ?? 'body'] ?? String(httpPart);
  const isBody = httpPart === 'body';
  const prepared = httpPart === 'headers' ? schema : closeObjects(schema);
  const validate: ValidateFunction = (isBody ? bodyAjv : textAjv).compile(prepared as JsonSchema);
  const s = schema as JsonSchema;
  const mayOmit = isBody && s.type === 'object' && (!Array.isArray(s.required) || s.required.length === 0);
  return (data: unknown) => {
    const value = data === null && mayOmit ? {} : data;
    if (!validate(value)) return { error: new RequestValidationError(validate.errors ?? [], part) };
    const nul = httpPart === 'headers' ? null : nulPath(value, '');
    if (nul !== null) {
      const error: ErrorObject = { instancePath: nul, keyword: 'nul', schemaPath: '#', params: {}, message: 'must not contain NUL characters' };
      return { error: new RequestValidationError([error], part) };
    }
    return { value };
  };
};
