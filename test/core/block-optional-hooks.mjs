// Module hooks for optional-deps.test.ts: every optionalDependency of package.json fails to
// resolve, as after `npm install --omit=optional`.
import { readFileSync } from 'node:fs';

const optional = Object.keys(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).optionalDependencies ?? {});

export async function resolve(specifier, context, next) {
  if (optional.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' (blocked: optional)`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
