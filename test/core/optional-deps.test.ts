import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backends } from '../backends.js';

const worker = fileURLToPath(new URL('./optional-deps-worker.ts', import.meta.url));
const block = new URL('./block-optional.mjs', import.meta.url).href;

// `npm install storekeeper --omit=optional` leaves out nodemailer, csv-parse, stripe, … (docs/INTEGRATION.md):
// the library must still load and sell, and only the feature that needs a package may fail, naming it.
describe.each(backends)('without the optional dependencies ($name)', (backend) => {
  it('opens, checks out and closes; a CSV import and the order email name the missing package', async () => {
    const { url, cleanup } = await backend.create();
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', block, worker, url], { timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        blocked: boolean;
        total: number;
        stock: number;
        csv: string;
        email: { status: string; last_error: string | null };
      };
      expect(result.blocked).toBe(true);
      expect(result.total).toBe(2400);
      expect(result.stock).toBe(3);
      expect(result.csv).toMatch(/optional dependency csv-parse/);
      // The email is not lost: it waits for a retry, with the reason recorded.
      expect(result.email.status).toBe('failed');
      expect(result.email.last_error).toMatch(/optional dependency nodemailer/);
    } finally {
      await cleanup();
    }
  });
});
