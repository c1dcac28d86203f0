import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
  }
}

/**
 * Decides once per run whether the suite also runs on PostgreSQL: TEST_DATABASE_URL if set,
 * otherwise a server answering at 127.0.0.1:5432. With REQUIRE_POSTGRES=1 (CI) its absence fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let ok = false;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    ok = true;
  } catch (e) {
    if (process.env.REQUIRE_POSTGRES === '1' || process.env.TEST_DATABASE_URL) {
      throw new Error(`PostgreSQL is required for this run but ${url} does not answer: ${(e as Error).message}`);
    }
    console.warn(`PostgreSQL not reachable at ${url}: running the suite on SQLite only`);
  } finally {
    await client.end().catch(() => undefined);
  }
  project.provide('pgUrl', ok ? url : null);
}
