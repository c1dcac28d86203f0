/**
 * Writes the server's OpenAPI document (built by buildServer over an in-memory shop, never
 * listening) to the given file, for `redocly lint` and the typed client's generated types.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openApiDocument } from '../src/http/openapi-document.js';

const out = process.argv[2];
if (!out) throw new Error('usage: scripts/openapi.ts <out.json>');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
