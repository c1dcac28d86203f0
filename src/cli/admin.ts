import type { Command } from 'commander';
import { AuthService } from '../auth/service.js';
import { action, DB_OPTION_HELP, defaultDatabase, describeTarget, openPlatform } from './common.js';

interface AdminFlags {
  email: string;
  password: string;
  name?: string;
  db?: string;
}

/** `storekeeper admin create`: an administrator account for the HTTP API. */
export function register(program: Command): void {
  const admin = program.command('admin').description('manage administrator accounts');
  admin
    .command('create')
    .description('create an administrator (an existing customer without an account is given one)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'password (8 to 200 characters)')
    .option('--name <name>', 'display name (default "Administrator")')
    .option('--db <target>', DB_OPTION_HELP)
    .action(
      action(async (flags: AdminFlags) => {
        const target = flags.db ?? defaultDatabase();
        const platform = await openPlatform(target);
        try {
          const customer = await new AuthService(platform.db).createAdmin({ email: flags.email, password: flags.password, name: flags.name });
          process.stdout.write(`created admin ${customer.email} (customer ${customer.id}) in ${describeTarget(target)}\n`);
        } finally {
          await platform.close();
        }
      }),
    );
}
