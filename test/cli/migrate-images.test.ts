import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';
import { png } from '../shopping/image-fixtures.js';
import { CLI_TIMEOUT, runCli } from './run.js';

describe.each(backends)('migrate-data --images-to on $name', (backend) => {
  let dir: string;
  let target: { url: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sk-migrate-images-'));
    target = await backend.create();
  });
  afterEach(async () => {
    await target.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'copies every referenced image into another store, idempotently',
    async () => {
      const bytes = png(5, 5);
      const hash = createHash('sha256').update(bytes).digest('hex');
      const platform = await EcommercePlatform.open(target.url, { imageDir: join(dir, 'old') });
      try {
        const p = await platform.addProduct({ name: 'Clock', price: 12, stock: 1 });
        await platform.addProductImage(p, bytes);
      } finally {
        await platform.close();
      }
      const args = ['migrate-data', '--from', target.url, '--images-from', join(dir, 'old'), '--images-to', join(dir, 'new')];
      const first = await runCli(args);
      expect(first.stderr).toBe('');
      expect(first.stdout).toContain('images: 1 referenced, 1 copied, 0 already there');
      expect(readFileSync(join(dir, 'new', hash.slice(0, 2), hash))).toEqual(bytes);
      const second = await runCli(args);
      expect(second.stdout).toContain('images: 1 referenced, 0 copied, 1 already there');

      const wrong = await runCli(['migrate-data', '--from', join(dir, 'nope.db'), '--images-to', join(dir, 'x')]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('does not exist');
      expect(existsSync(join(dir, 'nope.db'))).toBe(false);
      expect((await runCli(['migrate-data', '--from', target.url])).stderr).toContain('--to');
    },
    CLI_TIMEOUT,
  );
});
