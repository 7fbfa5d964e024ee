// Wording shared by decision reasons and traces: a reviewer reads these in Slack and in the
// audit log, so each line points at the policy line that produced it.
import type { Policy } from './schema.ts';

/** ` (file:line)` for a dotted policy path such as `actions.scale-asg.budget`, or '' when unknown. */
export function cite(policy: Policy, path: string): string {
  const at = policy.origin && Object.hasOwn(policy.origin, path) ? policy.origin[path] : undefined;
  return at ? ` (${at})` : '';
}

/** ISO time for messages; an invalid date must not throw while explaining a refusal. */
export function iso(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'an unknown time' : date.toISOString();
}

/** `a, b` or `none`. */
export function listOrNone(items: readonly string[]): string {
  return items.length > 0 ? items.join(', ') : 'none';
}
