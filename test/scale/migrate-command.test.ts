import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../src/db/migrations.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends, type Backend } from '../backends.js';
import { runCli } from './cli.js';

describe.each(backends)('storekeeper migrate on $name', (backend: Backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('3 deploy steps started at once migrate a fresh database exactly once; a rerun changes nothing', async () => {
    const created = await backend.create();
    cleanup = created.cleanup;
    const runs = await Promise.all([0, 1, 2].map(() => runCli(['migrate', '--db', created.url])));
    // A migration applied twice would fail ("table already exists") and exit 1.
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`(latest ${LATEST_VERSION})`);
    }
    expect(runs.some((r) => r.stdout.includes(`migrated from schema version 0 to ${LATEST_VERSION}`))).toBe(true);
    const again = await runCli(['migrate', '--db', created.url]);
    expect(again.stdout).toContain(`already at schema version ${LATEST_VERSION}`);
    const p = await EcommercePlatform.open(created.url);
    try {
      const applied = await p.query('SELECT version FROM storekeeper_migrations ORDER BY version');
      expect(Number(applied.at(-1)!.version)).toBe(LATEST_VERSION);
    } finally {
      await p.close();
    }
  });
});
