// Dry run (an environment's or an action's `dry_run: true`): everything happens but the write.
// Decided when the proposal is made (frozen in its evidence) and again right before the executor
// runs: either one saying dry run means no write, so turning dry run on takes effect at once and
// turning it off never makes an approval given under dry run write anything.
import { ownValue } from '../policy/matchers.ts';
import type { Policy } from '../policy/schema.ts';

export function dryRunNow(policy: Policy, environment: string, action: string): boolean {
  return ownValue(policy.environments, environment)?.dry_run === true || ownValue(policy.actions, action)?.dry_run === true;
}
