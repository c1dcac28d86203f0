import type { Executor, Row } from './driver.js';

/** One statement of a batch: our portable SQL with `?` placeholders. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A parameter that is a column of an earlier statement's one RETURNING row (an id just inserted). */
export class Ref {
  constructor(
    readonly statement: Statement,
    readonly column: string,
  ) {}
}

export const statement = (sql: string, params: readonly unknown[] = []): Statement => ({ sql, params });
export const ref = (of: Statement, column: string): Ref => new Ref(of, column);

const isRead = (s: Statement) => /^\s*SELECT\b/i.test(s.sql);
const returns = (s: Statement) => isRead(s) || /\bRETURNING\b/i.test(s.sql);
const COLUMN = /^[a-z_][a-z0-9_]*$/;
/** PostgreSQL takes at most 65,535 parameters per statement; a bigger batch runs statement by statement. */
const MAX_PG_PARAMS = 30_000;

/**
 * Runs writes that do not read each other's effects as one unit, in order, and returns each
 * statement's RETURNING rows ([] without RETURNING). A Ref stands for a value returned by an
 * earlier statement, so an order and its lines can go in one batch. SELECTs may lead the list:
 * they see the database as it was before the batch's writes, on both dialects.
 *
 * SQLite runs them one by one (in-process, a statement costs microseconds). PostgreSQL gets them
 * in one statement of data-modifying CTEs: one round trip instead of one each, which is what
 * the checkout's lock-holding part pays for. The statements run in list order, so their row locks
 * are taken in that order (callers list stock rows in id order, as
 * everywhere else). All of a statement's sub-statements see the snapshot from before it: a batch
 * must not read what it writes.
 */
export async function runBatch(ex: Executor, statements: readonly Statement[]): Promise<BatchResult> {
  const firstWrite = statements.findIndex((s) => !isRead(s));
  if (firstWrite >= 0 && statements.slice(firstWrite).some(isRead)) throw new Error('batch: a SELECT must come before every write');
  const paramCount = statements.reduce((n, s) => n + s.params.length, 0);
  if (ex.dialect === 'sqlite' || statements.length === 1 || paramCount > MAX_PG_PARAMS) return runInTurn(ex, statements);
  const index = new Map(statements.map((s, i) => [s, i]));
  const params: unknown[] = [];
  const ctes = statements.map((s, i) => {
    const parts = s.sql.split('?');
    if (parts.length !== s.params.length + 1) throw new Error(`batch statement ${i}: ${parts.length - 1} placeholders for ${s.params.length} parameters`);
    let sql = parts[0]!;
    s.params.forEach((p, k) => {
      if (p instanceof Ref) {
        const from = index.get(p.statement);
        if (from === undefined || from >= i || !COLUMN.test(p.column)) throw new Error(`batch statement ${i}: a Ref must name an earlier statement's column`);
        sql += `(SELECT ${p.column} FROM s${from})`;
      } else {
        sql += '?';
        params.push(p);
      }
      sql += parts[k + 1]!;
    });
    // A sub-statement is only readable (see below) with a RETURNING list.
    return `s${i} AS (${sql}${returns(s) ? '' : ' RETURNING 0 AS done'})`;
  });
  // Every sub-statement is read here, in list order: that is what runs them in list order (each
  // branch of UNION ALL runs to its end before the next), not at the statement's end in any order.
  const reads = statements.map((s, i) => (returns(s) ? `SELECT ${i} AS i, to_jsonb(s${i}) AS r FROM s${i}` : `SELECT ${i} AS i, NULL::jsonb AS r FROM (SELECT count(*) FROM s${i}) AS n${i}`));
  const rows = await ex.all<{ i: number; r: Row | null }>(`WITH ${ctes.join(', ')} ${reads.join(' UNION ALL ')}`, params);
  const results: Row[][] = statements.map(() => []);
  for (const { i, r } of rows) if (r !== null) results[i]!.push(r);
  return new BatchResult(statements, results);
}

async function runInTurn(ex: Executor, statements: readonly Statement[]): Promise<BatchResult> {
  const results: Row[][] = [];
  for (const [i, s] of statements.entries()) {
    const params = s.params.map((p) => {
      if (!(p instanceof Ref)) return p;
      const from = statements.indexOf(p.statement);
      const row = from >= 0 && from < i ? results[from]![0] : undefined;
      if (row === undefined || !(p.column in row)) throw new Error(`batch statement ${i}: a Ref must name an earlier statement's returned column`);
      return row[p.column];
    });
    if (returns(s)) results.push(await ex.all(s.sql, params));
    else {
      await ex.run(s.sql, params);
      results.push([]);
    }
  }
  return new BatchResult(statements, results);
}

/** The RETURNING rows of each statement of a batch. */
export class BatchResult {
  constructor(
    private readonly statements: readonly Statement[],
    private readonly results: readonly Row[][],
  ) {}
  rows<T = Row>(of: Statement): T[] {
    const i = this.statements.indexOf(of);
    if (i < 0) throw new Error('not a statement of this batch');
    return this.results[i] as T[];
  }
}
