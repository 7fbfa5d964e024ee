// Shared by the policy tools: where the policy is, and loading it with the same checks the bot
// runs at boot, so a tool never reasons about a policy the bot would refuse.
import { formatPolicyErrors, loadPolicy } from '../policy/loader.ts';
import type { Policy } from '../policy/schema.ts';
import { policyLoadOptions } from '../known-kinds.ts';

export function policyPath(positional: string | undefined): string {
  return positional ?? process.env.POLICY_PATH ?? './policies';
}

/** The policy, or null after printing every error (the caller exits non-zero). */
export async function loadPolicyOrReport(path: string, opts: { hint: boolean } = { hint: true }): Promise<{ policy: Policy; files: string[] } | null> {
  const result = await loadPolicy(path, policyLoadOptions);
  if (result.ok) return { policy: result.policy, files: result.files };
  console.error(formatPolicyErrors(result.errors));
  // Other tools cannot reason about a policy the bot would refuse: say so, and how to iterate on it.
  const hint = opts.hint ? '; no tool can use a policy the bot would refuse (iterate with: infra-agent policy check)' : '';
  console.error(`\n${result.errors.length} error(s) in ${path}${hint}`);
  return null;
}
