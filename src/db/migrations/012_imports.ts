import type { DialectName } from '../driver.js';
import { id, int, type Migration } from './types.js';

/**
 * Product imports of the admin panel (issue 13, docs/ADMIN.md): one row per uploaded file, holding
 * the file, the dry run's report and the progress of its apply, so the progress page needs no
 * JavaScript (it reads this row and refreshes itself) and the file need not be uploaded twice.
 */
export const imports: Migration = {
  version: 12,
  name: 'imports',
  up: (d: DialectName) => [
    `CREATE TABLE import_jobs (
      id ${id(d)},
      kind TEXT NOT NULL CHECK (kind IN ('products')),
      file_name TEXT NOT NULL,
      content TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('planned', 'running', 'done')),
      created_by ${int(d)} REFERENCES customers (id),
      rows_total ${int(d)} NOT NULL,
      batches_total ${int(d)} NOT NULL,
      batches_done ${int(d)} NOT NULL DEFAULT 0,
      plan TEXT NOT NULL,
      result TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE INDEX import_jobs_created_idx ON import_jobs (created_at, id)`,
  ],
};
