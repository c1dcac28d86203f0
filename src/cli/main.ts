import { Command } from 'commander';

/**
 * `storekeeper` command line. Each command lives in its own file under src/cli/ and exports a
 * `register(program)` function; add it to the map below under the command's name.
 *
 * Only the module of the command being run is loaded (all of them for the top-level help or an
 * unknown command), so `storekeeper report …` does not pay for loading the HTTP server.
 */
type CommandModule = { register(program: Command): void };
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  demo: () => import('./demo.js'),
  report: () => import('./report.js'),
  seed: () => import('./seed.js'),
  'migrate-data': () => import('./migrate-data.js'),
  migrate: () => import('./migrate.js'),
  serve: () => import('./serve.js'),
  admin: () => import('./admin.js'),
  export: () => import('./export.js'),
  import: () => import('./import.js'),
};

const program = new Command();
program.name('storekeeper').description('Storekeeper: an embeddable e-commerce engine').showHelpAfterError();

const name = process.argv[2];
const loaders = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
for (const module of await Promise.all(loaders.map((load) => load()))) module.register(program);

await program.parseAsync(process.argv);
