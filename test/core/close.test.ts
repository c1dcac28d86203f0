import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../backends.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./close-worker.ts', import.meta.url));

describe.each(backends)('closing on $name', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('a process that writes and closes the platform exits 0 on its own', async () => {
    const created = await backend.create();
    cleanup = created.cleanup;
    // execFile rejects on a non-zero exit code (13 is Node's "unsettled top-level await").
    const { stdout } = await run(process.execPath, ['--import', 'tsx', worker, created.url], { timeout: 30_000 });
    expect(stdout).toBe('closed\n');
  });
});
