// Pure policy decisions. Every lookup by name goes through own properties only, so a name such
// as `constructor` or `__proto__` can never resolve to something the policy did not declare.
import type { NormalizedAlert } from '../domain/alert.ts';
import type { Requirement } from '../domain/proposal.ts';
import { labelsMatch, matchesGlob, ownValue, whenMatches } from './matchers.ts';
import type { Policy, Rule } from './schema.ts';
import type { CapacityBounds } from '../domain/bounds.ts';

export interface TargetBounds extends CapacityBounds {
  /** The target pattern that matched, e.g. `web-*`. */
  pattern: string;
}

export type PolicyDecision =
  | { ok: true; requirement: Requirement; approvers: string[]; bounds: TargetBounds; trace: string[] }
  | { ok: false; requirement: 'advisory'; reasons: string[]; trace: string[] };

export interface ProposalInput {
  environment: string;
  action: string;
  target: string;
  params: { desiredCapacity?: number };
  current?: { desiredCapacity: number };
  /** Accepted only so callers can pass it; it is deliberately never read (principle 3). */
  confidence: number;
}

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

/** Bounds of the first target pattern of `action` that matches `target`. */
export function targetBounds(policy: Policy, action: string, target: string): TargetBounds | null {
  const declared = ownValue(policy.actions, action);
  const t = declared?.targets.find((candidate) => matchesGlob(candidate.asg, target));
  return t ? { min: t.min, max: t.max, maxStep: t.max_step, pattern: t.asg } : null;
}

/** Distinct users of the approver groups the action names, sorted. */
export function eligibleApprovers(policy: Policy, action: string): string[] {
  const declared = ownValue(policy.actions, action);
  const users = new Set<string>();
  for (const group of declared?.approvers ?? []) {
    for (const user of ownValue(policy.approvers, group)?.users ?? []) users.add(user);
  }
  return [...users].sort();
}

function capacityReasons(
  bounds: TargetBounds,
  params: ProposalInput['params'],
  current: ProposalInput['current'],
): string[] {
  const desired = params.desiredCapacity;
  if (desired === undefined) return [];
  const where = `of target pattern '${bounds.pattern}'`;
  // NaN and fractions compare false against both bounds; they must not slip through.
  if (!Number.isSafeInteger(desired)) return [`desired capacity ${desired} is not a whole number`];
  const reasons: string[] = [];
  if (desired < bounds.min || desired > bounds.max) {
    reasons.push(`desired capacity ${desired} is outside the bounds [${bounds.min}, ${bounds.max}] ${where}`);
  }
  // Without the current capacity the step cannot be proven small, so it is refused (fail closed).
  if (current === undefined) {
    reasons.push(`current capacity is unknown, so the step to ${desired} cannot be checked against max_step ${bounds.maxStep}`);
  } else if (!Number.isSafeInteger(current.desiredCapacity)) {
    reasons.push(`current capacity ${current.desiredCapacity} is not a whole number`);
  } else {
    const step = Math.abs(desired - current.desiredCapacity);
    if (step > bounds.maxStep) {
      reasons.push(`step of ${step} (from ${current.desiredCapacity} to ${desired}) exceeds max_step ${bounds.maxStep} ${where}`);
    }
  }
  return reasons;
}

function approverReasons(requirement: Requirement, approvers: readonly string[]): string[] {
  const needed = requirement === 'two' ? 2 : requirement === 'one' ? 1 : 0;
  if (approvers.length >= needed) return [];
  return [`requirement '${requirement}' needs ${needed} distinct eligible approver(s) but the action names ${approvers.length}`];
}

/**
 * Decides whether a concrete proposal may be executed and under which approval requirement.
 * All reasons are collected so a human sees every problem at once.
 */
export function evaluateProposal(policy: Policy, input: ProposalInput): PolicyDecision {
  const reasons: string[] = [];
  const trace: string[] = [];
  const refuse = (): PolicyDecision => {
    trace.push('refused: advisory only, a human implements');
    return { ok: false, requirement: 'advisory', reasons, trace };
  };

  const env = ownValue(policy.environments, input.environment);
  if (env) trace.push(`environment '${input.environment}' (channel ${env.channel})`);
  else reasons.push(`environment '${input.environment}' is not declared in the policy`);

  const action = ownValue(policy.actions, input.action);
  if (!action) {
    reasons.push(`action '${input.action}' is not whitelisted`);
    return refuse();
  }
  trace.push(`action '${input.action}' is whitelisted (executor ${action.executor}, blast radius ${action.blast_radius})`);

  const bounds = targetBounds(policy, input.action, input.target);
  if (bounds) {
    trace.push(`target '${input.target}' matches pattern '${bounds.pattern}' (min ${bounds.min}, max ${bounds.max}, max_step ${bounds.maxStep})`);
    reasons.push(...capacityReasons(bounds, input.params, input.current));
  } else {
    const patterns = action.targets.map((t) => t.asg).join(', ');
    reasons.push(`target '${input.target}' matches no target pattern of action '${input.action}' (patterns: ${patterns})`);
  }

  const requirement = action.requirement;
  trace.push(`requirement '${requirement}' from actions.${input.action}.requirement`);
  const approvers = eligibleApprovers(policy, input.action);
  reasons.push(...approverReasons(requirement, approvers));

  if (reasons.length > 0 || !bounds) return refuse();
  return { ok: true, requirement, approvers, bounds, trace };
}
