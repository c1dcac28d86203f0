import type { Statement } from './batch.js';
import type { DialectName, Executor, Params } from './driver.js';

/** Current time as the ISO-8601 UTC string every timestamp column holds. */
export const now = (): string => new Date().toISOString();

/**
 * `column IN (list)` with one parameter, so the statement text (and its cached prepared
 * statement) is the same whatever the list's length.
 */
export function inList(dialect: DialectName, column: string, ids: readonly number[]): { sql: string; params: Params } {
  return dialect === 'sqlite'
    ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(ids)] }
    : { sql: `${column} = ANY(?::bigint[])`, params: [ids] };
}

/** True when an error is a unique-constraint violation on either backend. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Collects `column = ?` pairs for a partial UPDATE; column names come from code, never from input. */
export class Assignments {
  readonly columns: string[] = [];
  readonly params: unknown[] = [];
  set(column: string, value: unknown): this {
    this.columns.push(`${column} = ?`);
    this.params.push(value);
    return this;
  }
  get empty(): boolean {
    return this.columns.length === 0;
  }
  get sql(): string {
    return this.columns.join(', ');
  }
}

/** Rows per multi-row INSERT: more rows go in further statements, so few distinct statement texts get prepared. */
const ROWS_PER_INSERT = 10;

/**
 * `INSERT INTO table (columns) VALUES (…), (…)`: many rows in one statement (one round trip on
 * PostgreSQL) instead of one each, in chunks of ROWS_PER_INSERT. Rows are inserted in the given order.
 */
export async function insertRows(ex: Executor, table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  for (const s of insertStatements(table, columns, rows)) await ex.run(s.sql, s.params);
}

/** insertRows' statements, for a batch (src/db/batch.ts). */
export function insertStatements(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Statement[] {
  const row = `(${columns.map(() => '?').join(', ')})`;
  const statements: Statement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    statements.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => row).join(', ')}`, params: chunk.flat() });
  }
  return statements;
}
