import type { Command } from 'commander';
import { action, DB_OPTION_HELP, nonNegativeInteger, positiveInteger } from './common.js';

/** The server is loaded here, only to serve: other commands never pay for it (docs/INTEGRATION.md). */
async function loadServer() {
  const [{ runCluster }, { startServer }] = await Promise.all([import('../http/cluster.js'), import('../http/server.js')]);
  return { runCluster, startServer };
}

interface ServeFlags {
  host?: string;
  port?: number;
  db?: string;
  workers?: number;
}

/** `storekeeper serve`: the shop's HTTP API (what `npm start` runs). */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API server (GET /docs for the reference)')
    .option('--host <host>', 'address to listen on (default: $HOST or 127.0.0.1)')
    .option('--port <port>', 'port, 0 for any free one (default: $PORT or 3000)', nonNegativeInteger)
    .option('--db <target>', DB_OPTION_HELP)
    .option('--workers <n>', 'run N server processes sharing the port (node:cluster); a dead one is restarted', positiveInteger)
    .addHelpText(
      'after',
      `
Environment:
  DATABASE_URL              SQLite file or postgres:// URL (default ./data/store.db)
  PGPOOL_MAX                PostgreSQL connections per process (default 10)
  HOST, PORT                where to listen (default 127.0.0.1:3000)
  STORE_DEMO_DATA=false     do not load the demo catalog into an empty database
  ADMIN_EMAIL, ADMIN_PASSWORD  create this admin account at start when it does not exist
  AUTH_RATE_LIMIT_PER_MIN   login/register requests per IP per minute (default 30)
  LOG_LEVEL                 pino level (default info)
  TRUST_PROXY               proxies whose X-Forwarded-For is believed: a hop count (1, or true)
                            or addresses/CIDRs (10.0.0.0/8,::1); default none
  REQUEST_TIMEOUT_MS        the whole request must arrive within this (default 30000, else 408)
  COOKIE_SECURE=true        mark the session cookie Secure (default when NODE_ENV=production)
  CLEANUP_INTERVAL_MS       how often the cluster deletes expired sessions (default 600000)
  IMAGE_STORE               image directory or s3://bucket/prefix (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)
  IMAGE_PUBLIC_URL          where browsers fetch images, e.g. a CDN (default the server's /images/)
  SMTP_URL, MAIL_FROM       email transport (default: .eml files in a dev mailbox, MAILBOX_DIR)
  SHOP_NAME, SHOP_URL       the shop's name and link base in emails; MAIL_TEMPLATES overrides templates
  JOB_POLL_MS, JOB_NUDGE_MS, JOB_LEASE_MS, RETRY_SCHEDULE_MS   the outbox runner (docs/NOTIFICATIONS.md)
  WEBHOOK_ALLOW_PRIVATE=true  allow webhook targets on private addresses

Production, several processes and moving from SQLite to PostgreSQL: docs/DEPLOY.md`,
    )
    .action(
      action(async (flags: ServeFlags) => {
        const options = { host: flags.host, port: flags.port, databaseUrl: flags.db };
        const { runCluster, startServer } = await loadServer();
        if (flags.workers !== undefined) await runCluster({ ...options, workers: flags.workers });
        else await startServer(options);
      }),
    );
}
