import { describe, expect, it } from 'vitest';
import { CLI_TIMEOUT, runCli } from './run.js';

describe('storekeeper --help', () => {
  it('every command answers --help with its usage and exit code 0; an unknown command is an error', async () => {
    const commands = [
      [],
      ['demo'],
      ['seed'],
      ['report'],
      ['report', 'top-customers'],
      ['report', 'daily-sales'],
      ['report', 'low-stock'],
      ['report', 'pending-orders'],
    ];
    const [unknown, ...results] = await Promise.all([runCli(['fly']), ...commands.map((c) => runCli([...c, '--help']))]);
    results.forEach(({ code, stdout }, i) => {
      const name = ['storekeeper', ...commands[i]!].join(' ');
      expect(code, name).toBe(0);
      expect(stdout, name).toContain(`Usage: ${name}`);
    });
    expect(results[0]!.stdout).toMatch(/demo[\s\S]*report[\s\S]*seed/);
    expect(results[2]!.stdout).toContain('--products <n>');
    expect(results[3]!.stdout).toMatch(/top-customers[\s\S]*daily-sales[\s\S]*low-stock[\s\S]*pending-orders/);
    expect(results[6]!.stdout).toContain('--threshold <n>');
    expect(unknown!.code).not.toBe(0);
    expect(unknown!.stderr).toContain("unknown command 'fly'");
  }, CLI_TIMEOUT);
});
