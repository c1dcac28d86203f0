import type { DialectName } from '../driver.js';
import type { Migration } from './types.js';

/**
 * PostgreSQL only: every change that can end or alter a session sends a NOTIFY, so each process's
 * session cache (src/auth/session-cache.ts) evicts it. Triggers rather than the writers themselves,
 * so every path (logout, password reset, role change, purge, account deletion, a future one, a
 * hand-written statement) is covered. Payloads: `t:<token hash>` for one session, `c:<customer id>`
 * for every session of an account, `*` for all (TRUNCATE). The channel is per schema (NOTIFY is per
 * database and several shops or tests share one): see SESSION_CHANNEL_SQL. SQLite keeps no cache.
 */
export const sessionNotify: Migration = {
  version: 15,
  name: 'session_notify',
  up: (d: DialectName) =>
    d === 'sqlite'
      ? []
      : [
          `CREATE FUNCTION storekeeper_session_notify() RETURNS trigger LANGUAGE plpgsql AS $body$
          DECLARE
            channel text := ${sessionChannel('TG_TABLE_SCHEMA')};
          BEGIN
            IF TG_OP = 'TRUNCATE' THEN
              PERFORM pg_notify(channel, '*');
            ELSIF TG_TABLE_NAME = 'sessions' THEN
              PERFORM pg_notify(channel, 't:' || OLD.token_hash);
            ELSE
              PERFORM pg_notify(channel, 'c:' || OLD.customer_id);
            END IF;
            RETURN NULL;
          END $body$`,
          'CREATE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION storekeeper_session_notify()',
          `CREATE TRIGGER accounts_notify AFTER UPDATE OF role, password_hash ON accounts FOR EACH ROW
            WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
            EXECUTE FUNCTION storekeeper_session_notify()`,
          'CREATE TRIGGER accounts_delete_notify AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION storekeeper_session_notify()',
          'CREATE TRIGGER sessions_truncate_notify AFTER TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION storekeeper_session_notify()',
          'CREATE TRIGGER accounts_truncate_notify AFTER TRUNCATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION storekeeper_session_notify()',
        ],
};

/** The channel of a schema, as SQL over a schema-name expression; a channel name is at most 63 bytes (a longer prefix match only adds evictions). */
export function sessionChannel(schemaSql: string): string {
  return `left('storekeeper_sessions.' || ${schemaSql}, 63)`;
}
