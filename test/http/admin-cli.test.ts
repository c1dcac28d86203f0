import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { register } from '../../src/cli/admin.js';
import { EcommercePlatform } from '../../src/index.js';
import { backends } from '../backends.js';

async function run(args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'storekeeper', ...args]);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, exitCode };
}

describe.each(backends)('storekeeper admin create on $name', (backend) => {
  let cleanup: () => Promise<void> = async () => undefined;
  afterEach(async () => cleanup());

  it('creates an admin who can sign in; a second time is a clear error', async () => {
    const target = await backend.create();
    cleanup = target.cleanup;
    const first = await run(['admin', 'create', '--email', 'Root@Example.com', '--password', 'root password', '--db', target.url]);
    expect(first).toMatchObject({ exitCode: 0, err: '' });
    expect(first.out).toMatch(/created admin root@example\.com \(customer \d+\)/);
    const again = await run(['admin', 'create', '--email', 'root@example.com', '--password', 'other password', '--db', target.url]);
    expect(again.exitCode).toBe(1);
    expect(again.err).toContain('already has an account');
    const short = await run(['admin', 'create', '--email', 'x@example.com', '--password', 'short', '--db', target.url]);
    expect(short.exitCode).toBe(1);
    expect(short.err).toContain('password');

    const platform = await EcommercePlatform.open(target.url);
    try {
      const signedIn = await new AuthService(platform.db).login('root@example.com', 'root password');
      expect(signedIn.role).toBe('admin');
      await expect(new AuthService(platform.db).login('root@example.com', 'other password')).rejects.toMatchObject({ code: 'unauthorized' });
      // A customer made through the library (no account yet) can be made an admin.
      await platform.createCustomer({ email: 'lib@example.com', name: 'Library Made' });
      expect((await run(['admin', 'create', '--email', 'lib@example.com', '--password', 'lib password', '--db', target.url])).exitCode).toBe(0);
      expect((await new AuthService(platform.db).login('lib@example.com', 'lib password')).customer.name).toBe('Library Made');
    } finally {
      await platform.close();
    }
  });
});
