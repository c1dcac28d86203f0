import { Command, Option } from 'commander';
import { ORDER_STATUSES } from '../orders/status.js';
import type { EcommercePlatform } from '../platform.js';
import { action, DB_OPTION_HELP, defaultDatabase, nonNegativeInteger, openPlatform, positiveInteger } from './common.js';
import { formatCents, renderTable, type Cell } from './table.js';

interface ReportFlags {
  db?: string;
  json?: boolean;
  limit?: number;
  threshold?: number;
  status?: string;
}

/** A report's result as a table; `json` is what --json prints (the library's own objects). */
interface Table {
  headers: string[];
  rows: Cell[][];
  json: unknown;
  empty: string;
}

interface ReportDefinition {
  name: string;
  description: string;
  options: Option[];
  run(platform: EcommercePlatform, flags: ReportFlags): Promise<Table>;
}

const REPORTS: ReportDefinition[] = [
  {
    name: 'top-customers',
    description: 'customers by total spent (cancelled orders do not count)',
    options: [new Option('--limit <n>', 'how many customers').argParser(positiveInteger).default(10)],
    async run(platform, flags) {
      const rows = await platform.reports.topCustomers({ limit: flags.limit });
      return {
        headers: ['#', 'Customer', 'Email', 'Orders', 'Total spent'],
        rows: rows.map((r, i) => [i + 1, r.name, r.email, r.orderCount, formatCents(r.totalSpentCents)]),
        json: rows,
        empty: 'No orders yet.',
      };
    },
  },
  {
    name: 'daily-sales',
    description: 'orders and revenue per UTC day, newest first',
    options: [new Option('--status <status>', 'count orders now in this status').choices(ORDER_STATUSES).default('delivered')],
    async run(platform, flags) {
      const status = flags.status as (typeof ORDER_STATUSES)[number];
      const rows = await platform.reports.dailySales({ status });
      return {
        headers: ['Date', 'Orders', 'Revenue'],
        rows: rows.map((r) => [r.date, r.orders, formatCents(r.revenueCents)]),
        json: rows,
        empty: `No ${status} orders.`,
      };
    },
  },
  {
    name: 'low-stock',
    description: 'products whose stock is below a threshold, lowest first',
    options: [new Option('--threshold <n>', 'list products with stock below this').argParser(nonNegativeInteger).default(10)],
    async run(platform, flags) {
      const rows = await platform.reports.lowStock({ threshold: flags.threshold });
      return {
        headers: ['ID', 'Product', 'Category', 'Stock'],
        rows: rows.map((r) => [r.productId, r.name, r.category ?? '', r.stock]),
        json: rows,
        empty: `No product has stock below ${flags.threshold}.`,
      };
    },
  },
  {
    name: 'pending-orders',
    description: 'orders waiting to be processed, oldest first',
    options: [],
    async run(platform) {
      const rows = await platform.reports.pendingOrders();
      return {
        headers: ['Order', 'Customer', 'Items', 'Total', 'Placed at (UTC)'],
        rows: rows.map((r) => [r.orderId, r.customerName, r.itemCount, formatCents(r.totalCents), r.createdAt]),
        json: rows,
        empty: 'No pending orders.',
      };
    },
  },
];

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('print a report as a table: top-customers, daily-sales, low-stock, pending-orders')
    .addHelpText('after', '\nExamples:\n  $ storekeeper report top-customers --limit 5\n  $ storekeeper report low-stock --threshold 3 --db ./data/store.db --json');
  for (const def of REPORTS) {
    const command = report
      .command(def.name)
      .description(def.description)
      .option('--db <target>', DB_OPTION_HELP)
      .option('--json', 'print JSON instead of a table');
    for (const option of def.options) command.addOption(option);
    command.action(
      action(async (flags: ReportFlags) => {
        const platform = await openPlatform(flags.db ?? defaultDatabase(), { mustExist: true });
        try {
          const table = await def.run(platform, flags);
          if (flags.json) console.log(JSON.stringify(table.json, null, 2));
          else console.log(table.rows.length === 0 ? table.empty : renderTable(table.headers, table.rows));
        } finally {
          await platform.close();
        }
      }),
    );
  }
}
