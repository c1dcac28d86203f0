import { fork } from 'node:child_process';
import { expect } from 'vitest';

/** What a racing worker reports: its own result plus when its work started and ended (epoch ms). */
export interface Raced<T> {
  result: T;
  startedAt: number;
  endedAt: number;
}

/**
 * Forks one process per argument list, waits until every one is ready (imported, connected),
 * then tells all of them to go at once; resolves with their reports and asserts that their work
 * overlapped in time (every process started before any finished), so a race test really races.
 * The worker side is `raceWorker` below.
 */
export async function raceProcesses<T>(worker: string, argLists: string[][]): Promise<T[]> {
  const children = argLists.map((args) => fork(worker, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const reports = children.map(
    (child) =>
      new Promise<Raced<T>>((resolve, reject) => {
        child.on('message', (m: { type: string; report?: Raced<T> }) => m.type === 'done' && resolve(m.report!));
        child.on('error', reject);
        child.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      }),
  );
  await Promise.all(children.map((child) => new Promise<void>((resolve) => child.on('message', (m: { type: string }) => m.type === 'ready' && resolve()))));
  for (const child of children) child.send({ type: 'go' });
  const done = await Promise.all(reports);
  const lastStart = Math.max(...done.map((r) => r.startedAt));
  const firstEnd = Math.min(...done.map((r) => r.endedAt));
  expect(lastStart, 'every process started before any finished').toBeLessThan(firstEnd);
  return done.map((r) => r.result);
}

/** In the worker: prepares, says ready, waits for go, runs `work`, reports and exits. */
export async function raceWorker<S, T>(prepare: () => Promise<S>, work: (state: S) => Promise<T>, finish?: (state: S) => Promise<void>): Promise<void> {
  const state = await prepare();
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type: string }) => m.type === 'go' && resolve());
    process.send!({ type: 'ready' });
  });
  const startedAt = performance.timeOrigin + performance.now();
  const result = await work(state);
  const endedAt = performance.timeOrigin + performance.now();
  await finish?.(state);
  process.send!({ type: 'done', report: { result, startedAt, endedAt } }, () => process.exit(0));
}
