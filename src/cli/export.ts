import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { EXPORT_KINDS, exportCsv, type ExportKind } from '../csv/export.js';
import { PAYMENT_STATUSES } from '../admin/queries.js';
import { ORDER_STATUSES, type OrderStatus } from '../orders/status.js';
import type { PaymentStatus } from '../payments/ledger.js';
import { action, CliError, DB_OPTION_HELP, defaultDatabase, openPlatform } from './common.js';

interface ExportFlags {
  format: string;
  db?: string;
  out?: string;
  status?: string;
  payment?: string;
  email?: string;
  from?: string;
  to?: string;
}

/** `storekeeper export <what> --format csv`: the admin panel's streamed exports, to stdout or a file. */
export function register(program: Command): void {
  program
    .command('export')
    .description(`export ${EXPORT_KINDS.join(', ')} as CSV (streamed: any size, flat memory)`)
    .argument('<what>', EXPORT_KINDS.join(' | '))
    .option('--format <format>', 'csv (the only format)', 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--status <status>', `orders only: ${ORDER_STATUSES.join(', ')}`)
    .option('--payment <state>', `orders only: ${PAYMENT_STATUSES.join(', ')}`)
    .option('--email <prefix>', 'orders only: customer emails starting with this')
    .option('--from <day>', 'orders only: placed on or after this UTC day (YYYY-MM-DD)')
    .option('--to <day>', 'orders only: placed on or before this UTC day (YYYY-MM-DD)')
    .option('--db <target>', DB_OPTION_HELP)
    .action(
      action(async (what: string, flags: ExportFlags) => {
        if (!(EXPORT_KINDS as readonly string[]).includes(what)) throw new CliError(`cannot export "${what}"; choose one of ${EXPORT_KINDS.join(', ')}`);
        if (flags.format !== 'csv') throw new CliError(`unknown format "${flags.format}"; only csv is supported`);
        if (flags.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(flags.status)) {
          throw new CliError(`--status must be one of ${ORDER_STATUSES.join(', ')}`);
        }
        if (flags.payment !== undefined && !(PAYMENT_STATUSES as readonly string[]).includes(flags.payment)) {
          throw new CliError(`--payment must be one of ${PAYMENT_STATUSES.join(', ')}`);
        }
        const platform = await openPlatform(flags.db ?? defaultDatabase(), { mustExist: true });
        try {
          const csv = exportCsv(platform.db, what as ExportKind, {
            orders: {
              status: flags.status as OrderStatus | undefined,
              payment: flags.payment as PaymentStatus | undefined,
              email: flags.email,
              from: flags.from,
              to: flags.to,
            },
            currency: platform.shop.currency,
          });
          if (flags.out) await pipeline(csv, createWriteStream(flags.out));
          else {
            // stdout is never ended by us (it is the process's): write with backpressure instead.
            for await (const chunk of csv) if (!process.stdout.write(chunk as Buffer)) await once(process.stdout, 'drain');
          }
        } finally {
          await platform.close();
        }
      }),
    );
}
