import type { Command } from 'commander';
import { AuthService } from '../auth/service.js';
import { ValidationError } from '../errors.js';
import { action, DB_OPTION_HELP, defaultDatabase, describeTarget, openPlatform } from './common.js';

interface AdminFlags {
  email: string;
  password: string;
  name?: string;
  role: string;
  db?: string;
}

/** `storekeeper admin create`: an administrator account for the HTTP API. */
export function register(program: Command): void {
  const admin = program.command('admin').description('manage administrator accounts');
  admin
    .command('create')
    .description('create an administrator or a staff account (an existing customer without an account is given one)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'password (8 to 200 characters)')
    .option('--name <name>', 'display name (default "Administrator" or "Staff")')
    .option('--role <role>', 'admin (everything) or staff (orders, customers, stock)', 'admin')
    .option('--db <target>', DB_OPTION_HELP)
    .action(
      action(async (flags: AdminFlags) => {
        const target = flags.db ?? defaultDatabase();
        const platform = await openPlatform(target);
        try {
          const role = flags.role === 'staff' ? 'staff' : flags.role === 'admin' ? 'admin' : undefined;
          if (!role) throw new ValidationError('--role must be admin or staff', [{ path: 'role', message: 'must be admin or staff' }]);
          const customer = await new AuthService(platform.db).createAdmin({ email: flags.email, password: flags.password, name: flags.name, role });
          process.stdout.write(`created ${role} ${customer.email} (customer ${customer.id}) in ${describeTarget(target)}\n`);
        } finally {
          await platform.close();
        }
      }),
    );
}
