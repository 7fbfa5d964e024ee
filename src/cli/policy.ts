import { formatPolicyErrors, loadPolicy } from '../policy/loader.ts';
import { policyLoadOptions } from '../main.ts';

// `policy check [path]`: the same validation the bot runs at boot, for CI on policy repos.
export async function policyCommand(args: string[]): Promise<number> {
  const [sub, target] = args;
  if (sub !== 'check') {
    console.error('usage: infra-agent policy check [path]');
    return 2;
  }
  const path = target ?? process.env.POLICY_PATH ?? './policies';
  const result = await loadPolicy(path, policyLoadOptions);
  if (!result.ok) {
    console.error(formatPolicyErrors(result.errors));
    console.error(`\n${result.errors.length} error(s) in ${path}`);
    return 1;
  }
  const p = result.policy;
  console.log(
    `policy OK: ${result.files.length} file(s), ${Object.keys(p.environments).length} environment(s), ${Object.keys(p.actions).length} action(s), ${p.rules.length} rule(s)`,
  );
  return 0;
}
