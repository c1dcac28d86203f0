import { hostname } from 'node:os';
import type { Driver } from '../db/driver.js';
import { claimRun } from './lease.js';

export interface ClusterJob {
  /** Unique per job: the lease row's key. */
  name: string;
  /** Runs at most once per interval in the whole cluster. */
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface SchedulerOptions {
  /** How often each process asks whether a job is due (default: a quarter of the shortest interval, at most 60 s). */
  checkEveryMs?: number;
  /** Reported when a job or a claim fails; the scheduler keeps going. */
  onError?: (job: string, error: unknown) => void;
  /** Called after this process ran a job. */
  onRun?: (job: string, result: unknown) => void;
  advisoryLock?: boolean;
}

/**
 * Background work that must happen once per cluster, e.g. deleting expired sessions. Every server
 * process runs a scheduler; on each tick it tries to claim each job's lease (claimRun) and only the
 * process that wins runs the job. No process is special, so any of them may die at any time.
 */
export class ClusterScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly holder = `${hostname()}:${process.pid}`;

  constructor(
    private readonly db: Driver,
    private readonly jobs: ClusterJob[],
    private readonly options: SchedulerOptions = {},
  ) {}

  start(): this {
    if (this.timer || this.jobs.length === 0) return this;
    const shortest = Math.min(...this.jobs.map((j) => j.intervalMs));
    const every = this.options.checkEveryMs ?? Math.min(60_000, Math.max(10, Math.floor(shortest / 4)));
    // Jitter so processes started together do not all ask at the same instant.
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.running = this.tick().finally(() => {
          this.running = undefined;
          if (this.timer) schedule();
        });
      }, every * (0.75 + Math.random() / 2));
      this.timer.unref();
    };
    schedule();
    return this;
  }

  /** One pass over every job: claims and runs the due ones. Exposed for tests and for a manual run. */
  async tick(): Promise<void> {
    for (const job of this.jobs) {
      try {
        if (!(await claimRun(this.db, job.name, { holder: this.holder, intervalMs: job.intervalMs, advisoryLock: this.options.advisoryLock }))) continue;
        const result = await job.run();
        this.options.onRun?.(job.name, result);
      } catch (e) {
        this.options.onError?.(job.name, e);
      }
    }
  }

  /** Stops ticking and waits for a job in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
