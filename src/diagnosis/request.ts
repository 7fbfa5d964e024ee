// What a diagnosis may know of the policy, built in one place so proposals (and later
// simulations) hand every rule the same view: the rule's candidates and settings, target bounds,
// the environment, and what each action declares about its blast radius and reversibility.
import type { NormalizedAlert } from '../domain/alert.ts';
import { targetBounds } from '../policy/evaluator.ts';
import { matchesGlob, ownValue } from '../policy/matchers.ts';
import type { Policy, Rule } from '../policy/schema.ts';
import type { DiagnoseRequest, TargetGroupRef } from './engine.ts';

export function diagnoseRequestFor(policy: Policy, env: { name: string }, rule: Rule, alert: NormalizedAlert): DiagnoseRequest {
  return {
    rule: rule.diagnose,
    alert,
    candidates: rule.candidates,
    bounds: (action, target) => targetBounds(policy, action, target),
    settings: rule.settings ?? {},
    environment: { name: env.name, production: ownValue(policy.environments, env.name)?.production ?? false },
    action: (name) => {
      const declared = ownValue(policy.actions, name);
      return declared ? { blastRadius: declared.blast_radius, reversible: declared.reversible } : null;
    },
    targetGroup: (asg) => targetGroupFor(policy, rule, asg),
  };
}

/** The first target pattern matching `asg`, among the rule's candidate actions, that names a target group. */
function targetGroupFor(policy: Policy, rule: Rule, asg: string): TargetGroupRef | null {
  for (const name of rule.candidates) {
    const target = ownValue(policy.actions, name)?.targets.find((t) => t.asg !== undefined && matchesGlob(t.asg, asg));
    if (target?.load_balancer && target.target_group) return { loadBalancer: target.load_balancer, targetGroup: target.target_group };
  }
  return null;
}
