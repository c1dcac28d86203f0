import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationIdFor } from '../../src/http/openapi.js';
import { backends } from '../backends.js';
import { startTestServer, type Json, type TestServer } from './helpers.js';

const run = promisify(execFile);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(doc: Json): { method: string; path: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Json>)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ method, path, op })),
  );
}

describe('operationIdFor (the rule for routes that declare none)', () => {
  it('is the verb then each segment after /api in PascalCase, a parameter as By<Name>', () => {
    expect(operationIdFor('GET', '/api/products')).toBe('getProducts');
    expect(operationIdFor('GET', '/api/products/:id/price-history')).toBe('getProductsByIdPriceHistory');
    expect(operationIdFor('DELETE', '/api/cart/items/:productId')).toBe('deleteCartItemsByProductId');
    expect(operationIdFor('POST', '/api/admin/orders/:id/status')).toBe('postAdminOrdersByIdStatus');
    expect(operationIdFor('GET', '/images/:hash')).toBe('getImagesByHash');
    expect(operationIdFor('GET', '/healthz')).toBe('getHealthz');
  });
});

describe.each(backends)('the OpenAPI document on $name', (backend) => {
  let s: TestServer;
  let doc: Json;
  beforeAll(async () => {
    s = await startTestServer(backend);
    doc = (await s.call('GET', '/openapi.json')).body;
  });
  afterAll(async () => s.close());

  it('gives every operation a unique camelCase operationId, a summary and its security', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(40);
    const ids = ops.map((o) => o.op.operationId as unknown);
    for (const { method, path, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(op.summary, `${method} ${path} has no summary`).toEqual(expect.stringMatching(/\S/));
      expect(Array.isArray(op.security), `${method} ${path} declares no security`).toBe(true);
    }
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(duplicates).toEqual([]);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('marks public operations security: [] and the rest with the bearer and cookie schemes', () => {
    const op = (method: string, path: string) => operations(doc).find((o) => o.method === method && o.path === path)!.op;
    expect(op('get', '/api/products').security).toEqual([]);
    expect(op('post', '/api/auth/login').security).toEqual([]);
    expect(op('get', '/healthz').security).toEqual([]);
    // Guests check out with a cart token, so the credentials of checkout are optional.
    expect(op('post', '/api/orders').security).toEqual([{}, { bearerAuth: [] }, { cookieAuth: [] }]);
    expect(op('get', '/api/me/addresses').security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
    expect(op('get', '/api/orders').operationId).toBe('getOrders');
  });
});

describe('redocly lint with the recommended rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sk-openapi-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports no problem in the document the server publishes', async () => {
    const s = await startTestServer(backends[0]!);
    let doc: Json;
    try {
      doc = (await s.call('GET', '/openapi.json')).body;
    } finally {
      await s.close();
    }
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    // Exit code 0 is 0 errors; the summary line also counts warnings.
    const { stdout, stderr } = await run('npx', ['redocly', 'lint', '--config', 'redocly.yaml', '--format', 'summary', file], { cwd: process.cwd() }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`redocly lint failed:\n${e.stdout}\n${e.stderr}`);
    });
    expect(`${stdout}${stderr}`).toContain('valid');
  });
});
