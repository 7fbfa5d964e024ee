import { loadPolicyOrReport, policyPath } from './load-policy.ts';
import { EXPLAIN_USAGE, policyExplainCommand } from './policy-explain.ts';
import { TEST_USAGE, policyTestCommand } from './policy-test.ts';

const USAGE = `usage: infra-agent policy check [path]
${TEST_USAGE}
${EXPLAIN_USAGE}`;

// `policy check [path]`: the same validation the bot runs at boot, for CI on policy repos.
async function policyCheckCommand(args: string[]): Promise<number> {
  const path = policyPath(args[0]);
  const loaded = await loadPolicyOrReport(path, { hint: false });
  if (!loaded) return 1;
  const p = loaded.policy;
  console.log(
    `policy OK: ${loaded.files.length} file(s), ${Object.keys(p.environments).length} environment(s), ${Object.keys(p.actions).length} action(s), ${p.rules.length} rule(s)`,
  );
  return 0;
}

const subcommands: Record<string, (args: string[]) => Promise<number>> = {
  check: policyCheckCommand,
  test: policyTestCommand,
  explain: policyExplainCommand,
};

export async function policyCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const command = sub !== undefined && Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!command) {
    console.error(`${sub === undefined ? 'missing' : `unknown policy subcommand '${sub}'`}: expected check, test or explain\n\n${USAGE}`);
    return 2;
  }
  return command(rest);
}
