import type { DialectName } from '../driver.js';
import type { Migration } from './types.js';

/**
 * Leases for background work that must run once per cluster (src/jobs): one row per job, claimed
 * by a conditional UPDATE that only succeeds once the previous lease has expired.
 */
export const jobs: Migration = {
  version: 5,
  name: 'jobs',
  up: (_d: DialectName) => [
    `CREATE TABLE job_leases (
      name TEXT PRIMARY KEY,
      holder TEXT,
      expires_at TEXT NOT NULL,
      last_run_at TEXT
    )`,
  ],
};
