import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { EcommercePlatform } from '../src/index.js';

/**
 * One test body, every backend (the Kysely model): `describe.each(backends)`.
 * SQLite gets a fresh file in a temp dir; PostgreSQL a fresh schema, dropped afterwards.
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A database target nobody else uses; `cleanup` removes it. */
  create(): Promise<{ url: string; cleanup: () => Promise<void> }>;
}

let counter = 0;
const unique = () => `${process.pid}_${Date.now().toString(36)}_${counter++}`;

export const sqlite: Backend = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'sk-test-'));
    return { url: join(dir, 'store.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

export function postgresBackend(baseUrl: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const schema = `sk_test_${unique()}`;
      const u = new URL(baseUrl);
      u.searchParams.set('schema', schema);
      return {
        url: u.toString(),
        cleanup: async () => {
          const c = new pg.Client({ connectionString: baseUrl });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await c.end();
        },
      };
    },
  };
}

const pgUrl = inject('pgUrl');
export const backends: Backend[] = pgUrl ? [sqlite, postgresBackend(pgUrl)] : [sqlite];

/** Opens a platform on a fresh database of the backend; returns it with its disposer. */
export async function openFresh(backend: Backend): Promise<{ platform: EcommercePlatform; url: string; dispose: () => Promise<void> }> {
  const { url, cleanup } = await backend.create();
  const platform = await EcommercePlatform.open(url);
  return {
    platform,
    url,
    dispose: async () => {
      await platform.close();
      await cleanup();
    },
  };
}
