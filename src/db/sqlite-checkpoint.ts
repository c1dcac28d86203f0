import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a worker thread with its own connection, instead of SQLite's autocheckpoint,
 * which runs inside the COMMIT of whichever batch crosses 1000 WAL pages — copying pages and
 * fsyncing the database file on the event loop. A PASSIVE checkpoint does not block the writer.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.code) || e) });
  }
});
`;

export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private running = false;
  private dirty = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  checkpoints = 0;

  /** `onFailure`: the worker could not run (the caller turns SQLite's autocheckpoint back on). */
  constructor(
    file: string,
    private readonly onFailure: (error: unknown) => void,
    private readonly onCheckpoint: () => void = () => undefined,
    intervalMs = 250,
  ) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { module, file } });
    this.worker.unref();
    this.worker.on('message', (m: { ok: boolean }) => {
      this.running = false;
      if (m.ok) {
        this.checkpoints++;
        this.onCheckpoint();
      }
    });
    this.worker.on('error', (e) => {
      if (!this.closed) this.onFailure(e);
      this.closed = true;
    });
    this.timer = setInterval(() => this.maybeRun(), intervalMs);
    this.timer.unref();
  }

  /** Called after each commit; a checkpoint follows on the next tick of the timer. */
  committed(): void {
    this.dirty++;
    if (this.dirty >= 500) this.maybeRun();
  }

  private maybeRun(): void {
    if (this.closed || this.running || this.dirty === 0) return;
    this.dirty = 0;
    this.running = true;
    this.worker.postMessage('run');
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage('close');
    await exited;
  }
}
