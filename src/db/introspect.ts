import type { DialectName, Params } from './driver.js';

/** The little a schema reader needs: a dialect and `all` (a Driver, a transaction, or a snapshot reader). */
export interface Queryer {
  readonly dialect: DialectName;
  all<T>(sql: string, params?: Params): Promise<T[]>;
}

export interface ColumnInfo {
  name: string;
  /** Computed by the database (SQLite generated/hidden, PostgreSQL GENERATED ALWAYS AS): never inserted. */
  generated: boolean;
  /** An identity or serial column whose sequence must follow copied ids (PostgreSQL only). */
  sequenced: boolean;
  /** GENERATED ALWAYS AS IDENTITY: an explicit value needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Tables this one references (itself excluded). */
  references: string[];
}

/** Double-quoted identifier; names come from the catalog, never from input. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * The ordinary tables of the current schema with their columns, primary keys and foreign keys.
 * Virtual tables (FTS) and their shadow tables are left out: they are derived data, rebuilt by
 * the target's own triggers or indexing.
 */
export async function readTables(db: Queryer): Promise<Map<string, TableInfo>> {
  return db.dialect === 'sqlite' ? readSqlite(db) : readPostgres(db);
}

async function readSqlite(db: Queryer): Promise<Map<string, TableInfo>> {
  const names = await db.all<{ name: string }>(
    `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
  );
  const out = new Map<string, TableInfo>();
  for (const { name } of names) {
    const cols = await db.all<{ name: string; hidden: number; pk: number }>('SELECT name, hidden, pk FROM pragma_table_xinfo(?) ORDER BY cid', [name]);
    const fks = await db.all<{ parent: string }>('SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)', [name]);
    out.set(name, {
      name,
      columns: cols.map((c) => ({ name: c.name, generated: c.hidden !== 0, sequenced: false, identityAlways: false })),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      references: fks.map((f) => f.parent).filter((p) => p !== name),
    });
  }
  return out;
}

async function readPostgres(db: Queryer): Promise<Map<string, TableInfo>> {
  const names = await db.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const cols = await db.all<{ table_name: string; name: string; is_generated: string; is_identity: string; identity_generation: string | null; column_default: string | null }>(
    `SELECT table_name, column_name AS name, is_generated, is_identity, identity_generation, column_default
     FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const pks = await db.all<{ table_name: string; name: string }>(
    `SELECT c.relname AS table_name, a.attname AS name FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
     WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace
     ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)`,
  );
  const fks = await db.all<{ child: string; parent: string }>(
    `SELECT DISTINCT child.relname AS child, parent.relname AS parent FROM pg_constraint k
     JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid
     WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`,
  );
  const out = new Map<string, TableInfo>();
  for (const { name } of names) out.set(name, { name, columns: [], primaryKey: [], references: [] });
  for (const c of cols) {
    out.get(c.table_name)?.columns.push({
      name: c.name,
      generated: c.is_generated !== 'NEVER',
      sequenced: c.is_identity === 'YES' || (c.column_default ?? '').startsWith('nextval('),
      identityAlways: c.is_identity === 'YES' && c.identity_generation === 'ALWAYS',
    });
  }
  for (const pk of pks) out.get(pk.table_name)?.primaryKey.push(pk.name);
  for (const fk of fks) if (fk.child !== fk.parent) out.get(fk.child)?.references.push(fk.parent);
  return out;
}

/** Parents before children (Kahn's algorithm); references outside `tables` are ignored. */
export function foreignKeyOrder(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const ordered: TableInfo[] = [];
  let pending = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length > 0) {
    const ready = pending.filter((t) => t.references.every((r) => done.has(r) || !byName.has(r)));
    if (ready.length === 0) throw new Error(`Foreign keys form a cycle between: ${pending.map((t) => t.name).join(', ')}`);
    for (const t of ready) {
      done.add(t.name);
      ordered.push(t);
    }
    pending = pending.filter((t) => !done.has(t.name));
  }
  return ordered;
}
