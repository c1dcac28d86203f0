// A separate OS process for the leader-election test: claims the job lease whenever the parent says so.
import { EcommercePlatform } from '../../src/index.js';
import { claimRun } from '../../src/jobs/lease.js';

const [url] = process.argv.slice(2) as [string];
const platform = await EcommercePlatform.open(url);
process.on('message', (m: { at?: number; intervalMs?: number; stop?: boolean }) => {
  if (m.stop) {
    void platform.close().then(() => process.exit(0));
    return;
  }
  claimRun(platform.db, 'race', { holder: `worker ${process.pid}`, intervalMs: m.intervalMs!, at: m.at! }).then(
    (won) => process.send!({ won }),
    (e: unknown) => process.send!({ error: String(e) }),
  );
});
process.send!({ ready: true });
