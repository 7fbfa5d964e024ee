// Pure policy decisions. Every lookup by name goes through own properties only, so a name such
// as `constructor` or `__proto__` can never resolve to something the policy did not declare.
import type { NormalizedAlert } from '../domain/alert.ts';
import { cite } from './citation.ts';
import type { EligibleApprovers, PolicyDecision, ProposalInput, TargetBounds } from './decision.ts';
import { approversLine, budgetStep, capacityReasons, cooldownStep, pauseReasons } from './evaluator-checks.ts';
import type { Step } from './evaluator-checks.ts';
import { approvalStep } from './evaluator-requirement.ts';
import { labelsMatch, matchesGlob, ownValue, whenMatches } from './matchers.ts';
import type { Action, Policy, Rule, Target } from './schema.ts';

export type { ActiveFreeze, EligibleApprovers, Pause, PolicyDecision, PolicyState, ProposalInput, TargetBounds } from './decision.ts';
export { requirementFor } from './evaluator-requirement.ts';
export type { RequirementDerivation } from './evaluator-requirement.ts';

/** The first environment, in declared order, whose match labels all match; no `match` = catch-all. */
export function resolveEnvironment(
  policy: Policy,
  alert: Pick<NormalizedAlert, 'labels'>,
): { name: string; channel: string } | null {
  for (const [name, env] of Object.entries(policy.environments)) {
    if (env.match === undefined || labelsMatch(env.match, alert.labels)) return { name, channel: env.channel };
  }
  return null;
}

/** The first rule, in file-name then declared order, whose `when` matches the alert. */
export function matchRule(policy: Policy, alert: Pick<NormalizedAlert, 'name' | 'labels'>): Rule | null {
  return policy.rules.find((rule) => whenMatches(rule.when, alert)) ?? null;
}

/** The first target pattern of `action` matching `target`, with its index (for citing its line). */
function matchTarget(action: Action, target: string): { index: number; bounds: TargetBounds; service: boolean } | null {
  const index = action.targets.findIndex((candidate) => matchesGlob(targetPattern(candidate), target));
  const t = action.targets[index];
  if (!t) return null;
  // A service target (runbooks) bounds no capacity: zero bounds refuse any desiredCapacity a
  // proposal might carry, rather than leaving it unbounded.
  if (t.asg === undefined) return { index, service: true, bounds: { min: 0, max: 0, maxStep: 0, pattern: targetPattern(t) } };
  return { index, service: false, bounds: { min: t.min ?? 0, max: t.max ?? 0, maxStep: t.max_step ?? 0, pattern: t.asg } };
}

/** The name pattern of a policy target, whichever kind it is. */
export function targetPattern(t: Target): string {
  return t.asg ?? t.service ?? '';
}

/** The declared target (with its index) that applies to `target`: the first whose pattern matches. */
export function policyTargetFor(action: Action, target: string): { index: number; target: Target } | null {
  const index = action.targets.findIndex((candidate) => matchesGlob(targetPattern(candidate), target));
  const t = action.targets[index];
  return t ? { index, target: t } : null;
}

/** Bounds of the first target pattern of `action` that matches `target`. */
export function targetBounds(policy: Policy, action: string, target: string): TargetBounds | null {
  const declared = ownValue(policy.actions, action);
  return declared ? (matchTarget(declared, target)?.bounds ?? null) : null;
}

/** The approver groups the action names, in declared order, and their distinct members, sorted. */
export function eligibleApprovers(policy: Policy, action: string): EligibleApprovers {
  const groups = [...new Set(ownValue(policy.actions, action)?.approvers ?? [])];
  const users = new Set<string>();
  const usergroups = new Set<string>();
  for (const name of groups) {
    const group = ownValue(policy.approvers, name);
    for (const user of group?.users ?? []) users.add(user);
    for (const usergroup of group?.usergroups ?? []) usergroups.add(usergroup);
  }
  return { groups, users: [...users].sort(), usergroups: [...usergroups].sort() };
}

function environmentStep(policy: Policy, environment: string): Step {
  const env = ownValue(policy.environments, environment);
  if (!env) return { reasons: [`environment '${environment}' is not declared in the policy`], trace: [] };
  return { reasons: [], trace: [`environment '${environment}' posts to ${env.channel}${cite(policy, `environments.${environment}`)}`] };
}

function targetStep(policy: Policy, name: string, action: Action, input: ProposalInput): Step & { bounds: TargetBounds | null } {
  const matched = matchTarget(action, input.target);
  if (!matched) {
    const patterns = action.targets.map(targetPattern).join(', ');
    return { bounds: null, trace: [], reasons: [`target '${input.target}' matches no target pattern of action '${name}' (patterns: ${patterns})`] };
  }
  const { bounds, index } = matched;
  const at = cite(policy, `actions.${name}.targets[${index}]`);
  const what = matched.service ? `service pattern '${bounds.pattern}'` : `pattern '${bounds.pattern}': min ${bounds.min}, max ${bounds.max}, max_step ${bounds.maxStep}`;
  return {
    bounds,
    reasons: capacityReasons(bounds, input.params, input.current),
    trace: [`target '${input.target}' matches ${what}${at}`],
  };
}

function refuse(steps: readonly Step[]): PolicyDecision {
  const reasons = steps.flatMap((s) => s.reasons);
  const trace = [...steps.flatMap((s) => s.trace), 'refused: advisory only, a human implements'];
  return { ok: false, requirement: 'advisory', reasons, trace };
}

/**
 * Decides whether a concrete proposal may be executed and under which approval requirement.
 * All reasons are collected so a human sees every problem at once. `input.confidence` is never read.
 */
export function evaluateProposal(policy: Policy, input: ProposalInput): PolicyDecision {
  const environment = environmentStep(policy, input.environment);
  const paused: Step = { reasons: pauseReasons(input.state.pauses, input.environment, input.action), trace: [] };
  const action = ownValue(policy.actions, input.action);
  if (!action) return refuse([environment, { reasons: [`action '${input.action}' is not whitelisted`], trace: [] }, paused]);

  const whitelisted = `action '${input.action}' is whitelisted: executor ${action.executor}, blast radius ${action.blast_radius}`;
  const steps = {
    environment,
    action: { reasons: [], trace: [whitelisted + cite(policy, `actions.${input.action}`)] },
    target: targetStep(policy, input.action, action, input),
    paused,
    approval: approvalStep(policy, input, eligibleApprovers(policy, input.action), environment.reasons.length === 0),
    budget: budgetStep(policy, input.action, action, input.state),
    cooldown: cooldownStep(policy, input.action, action, input.target, input.state),
  } satisfies Record<string, Step>;
  const all = Object.values(steps);
  const { target, approval } = steps;
  if (target.bounds === null || approval.matrixRequirement === null || all.some((s) => s.reasons.length > 0)) return refuse(all);
  return {
    ok: true,
    requirement: approval.requirement,
    matrixRequirement: approval.matrixRequirement,
    approvers: approval.approvers,
    freeze: approval.freeze,
    bounds: target.bounds,
    trace: [...all.flatMap((s) => s.trace), approversLine(approval.requirement, approval.approvers)],
  };
}
