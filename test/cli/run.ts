import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Tests that start CLI processes get this long: each process loads the engine through tsx, slow on a busy machine. */
export const CLI_TIMEOUT = 180_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real command line in a child process, from source through tsx (no build step, so the
 * test sees the code as it is). DATABASE_URL is removed unless the test sets it.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: childEnv, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The data lines of the first table in `output` (after its header rule, up to a blank line or footer rule), split into cells. */
export function tableRows(output: string): string[][] {
  const isRule = (l: string) => /^\s*-+(\s+-+)*\s*$/.test(l);
  const lines = output.split('\n');
  const start = lines.findIndex(isRule);
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || isRule(line)) break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return rows;
}
