import { Command } from 'commander';
import { register as admin } from './admin.js';
import { register as demo } from './demo.js';
import { register as migrateData } from './migrate-data.js';
import { register as report } from './report.js';
import { register as seed } from './seed.js';
import { register as serve } from './serve.js';

/**
 * `storekeeper` command line. Each command lives in its own file under src/cli/ and exports a
 * `register(program)` function; add it to the list below.
 */
const program = new Command();
program.name('storekeeper').description('Storekeeper: an embeddable e-commerce engine').showHelpAfterError();

const commands: Array<(program: Command) => void> = [demo, report, seed, migrateData, serve, admin];
for (const register of commands) register(program);

await program.parseAsync(process.argv);
