// Preloaded into the benchmarked server (node --import): appends the largest event-loop stall
// of every 250 ms window to BENCH_LOOP_FILE as `epochMs maxMs` lines, for bench/http.ts.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  setInterval(() => {
    appendFileSync(file, `${Date.now()} ${(h.max / 1e6).toFixed(1)}\n`);
    h.reset();
  }, 250).unref();
}
