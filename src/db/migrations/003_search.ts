import type { DialectName } from '../driver.js';
import { ACCENTED, PLAIN } from '../../search/fold.js';
import { int, type Migration } from './types.js';

/**
 * Postgres: accents folded and runs of non-alphanumerics turned into spaces, so the words in the
 * vector are exactly the words the search tokeniser makes of a query (src/search/terms.ts).
 */
const words = (column: string) => `regexp_replace(translate(${column}, '${ACCENTED}', '${PLAIN}'), '[^[:alnum:]]+', ' ', 'g')`;

/** Sort key of sort=rating; queries must use this exact text for the index to apply. */
export const RATING_EXPR = 'CASE WHEN rating_count > 0 THEN CAST(rating_sum AS DOUBLE PRECISION) / rating_count ELSE 0 END';

/** Shards of the Postgres catalog version: a commit bumps one row, so concurrent commits rarely wait. */
export const CATALOG_VERSION_SHARDS = 16;

/**
 * Full-text search, rating sort keys and the catalog version (docs/SEARCH.md).
 *
 * Every statement that writes `products` keeps the search index and `catalog_version` in step
 * through triggers, so no writer (services, seed, migrate-data) has to remember anything.
 * `rating_sum`/`rating_count` are maintained by the reviews service (sum and count of the visible
 * ratings); averageRating = rating_sum / rating_count.
 */
export const search: Migration = {
  version: 3,
  name: 'search',
  up: (d: DialectName) => [
    `ALTER TABLE products ADD COLUMN rating_sum ${int(d)} NOT NULL DEFAULT 0`,
    `ALTER TABLE products ADD COLUMN rating_count ${int(d)} NOT NULL DEFAULT 0`,
    // Each sort, over everything and within a category, is an index walk that stops after one page.
    `CREATE INDEX products_price_idx ON products (price_cents, id)`,
    `CREATE INDEX products_newest_idx ON products (created_at, id)`,
    `CREATE INDEX products_rating_idx ON products ((${RATING_EXPR}), id)`,
    `CREATE INDEX products_category_price_idx ON products (category, price_cents, id)`,
    `CREATE INDEX products_category_newest_idx ON products (category, created_at, id)`,
    `CREATE INDEX products_category_rating_idx ON products (category, (${RATING_EXPR}), id)`,
    // Covers the category facets of a listing with any filter, without reading the rows.
    `CREATE INDEX products_facets_idx ON products (category, stock, price_cents, rating_sum, rating_count)`,
    `CREATE TABLE catalog_version (shard INTEGER PRIMARY KEY, version ${int(d)} NOT NULL)`,
    ...(d === 'sqlite' ? sqlite() : postgres()),
  ],
};

function sqlite(): string[] {
  const insert = 'INSERT INTO products_fts (rowid, name, description, category) VALUES (new.id, new.name, new.description, new.category);';
  const remove =
    "INSERT INTO products_fts (products_fts, rowid, name, description, category) VALUES ('delete', old.id, old.name, old.description, old.category);";
  // One writer at a time holds the file lock, so a single counter row costs no concurrency.
  const bump = 'UPDATE catalog_version SET version = version + 1 WHERE shard = 0;';
  return [
    // Everything a search filters or sorts on, keyed by id: text matches are checked against this
    // small index instead of the wide product rows (several times faster once the catalog is large).
    `CREATE INDEX products_lookup_idx ON products (id, category, stock, price_cents, created_at, rating_sum, rating_count)`,
    `CREATE VIRTUAL TABLE products_fts USING fts5(name, description, category,
      content='products', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')`,
    `INSERT INTO products_fts (products_fts) VALUES ('rebuild')`,
    `CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN ${insert} ${bump} END`,
    `CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN ${remove} ${bump} END`,
    `CREATE TRIGGER products_search_update AFTER UPDATE OF name, description, category ON products BEGIN ${remove} ${insert} END`,
    `CREATE TRIGGER products_version_update AFTER UPDATE ON products BEGIN ${bump} END`,
    `INSERT INTO catalog_version (shard, version) VALUES (0, 1)`,
  ];
}

function postgres(): string[] {
  return [
    `ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple', ${words('name')}), 'A') ||
      setweight(to_tsvector('simple', ${words("coalesce(category, '')")}), 'B') ||
      setweight(to_tsvector('simple', ${words('description')}), 'C')) STORED`,
    // fastupdate off: no pending list that every search would scan after bulk inserts.
    `CREATE INDEX products_search_idx ON products USING GIN (search_vector) WITH (fastupdate = off)`,
    `INSERT INTO catalog_version (shard, version) SELECT s, CASE WHEN s = 0 THEN 1 ELSE 0 END FROM generate_series(0, ${CATALOG_VERSION_SHARDS - 1}) AS s`,
    // Deferred to commit and once per transaction: the shard row is the last lock a transaction
    // takes, so it cannot deadlock with the product rows, and the lock is held only while committing.
    `CREATE FUNCTION storekeeper_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN
      IF current_setting('storekeeper.catalog_bumped', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('storekeeper.catalog_bumped', 'on', true);
        UPDATE catalog_version SET version = version + 1 WHERE shard = pg_backend_pid() % ${CATALOG_VERSION_SHARDS};
      END IF;
      RETURN NULL;
    END
    $body$`,
    `CREATE CONSTRAINT TRIGGER products_version AFTER INSERT OR UPDATE OR DELETE ON products
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION storekeeper_bump_catalog_version()`,
  ];
}
