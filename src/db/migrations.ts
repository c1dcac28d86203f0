import { core } from './migrations/001_core.js';
import { accounts } from './migrations/002_accounts.js';
import { search } from './migrations/003_search.js';
import { shopping } from './migrations/004_shopping.js';
import { jobs } from './migrations/005_jobs.js';
import { commerce } from './migrations/006_commerce.js';
import { rates } from './migrations/007_rates.js';
import { notifications } from './migrations/008_notifications.js';
import { payments } from './migrations/009_payments.js';
import { staff } from './migrations/011_staff.js';
import { imports } from './migrations/012_imports.js';
import { salesRollup } from './migrations/013_sales_rollup.js';
import { adminOrders } from './migrations/014_admin_orders.js';
import { sessionNotify } from './migrations/015_session_notify.js';
import type { Migration } from './migrations/types.js';

export type { Migration } from './migrations/types.js';

/**
 * Versioned migrations, one file each under migrations/. Opening a database applies the ones it
 * lacks, in order. Never edit a released migration: add the next file and list it here.
 */
export const migrations: Migration[] = [
  core,
  accounts,
  search,
  shopping,
  jobs,
  commerce,
  rates,
  notifications,
  payments,
  staff,
  imports,
  salesRollup,
  adminOrders,
  sessionNotify,
];

export const LATEST_VERSION = migrations[migrations.length - 1]!.version;
