// The independent checks of a proposal. Each returns what it found as values (reasons to refuse,
// trace lines to explain) so the evaluator can collect every problem instead of stopping at one.
import { cite, iso, listOrNone } from './citation.ts';
import type { EligibleApprovers, Pause, PolicyState, ProposalInput, TargetBounds } from './decision.ts';
import { durationMs } from './schema.ts';
import type { Action, Policy } from './schema.ts';
import type { Requirement } from '../domain/proposal.ts';

export interface Step {
  reasons: string[];
  trace: string[];
}

export function capacityReasons(
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

function pausedBy(p: Pause): string {
  return `by ${p.by} at ${iso(p.at)}${p.reason ? `: ${p.reason}` : ''}`;
}

/** Kill-switch pauses that stop this proposal outright (`auto` pauses only raise the requirement). */
export function pauseReasons(pauses: readonly Pause[], environment: string, action: string): string[] {
  return pauses.flatMap((p) => {
    if (p.scope === 'global') return [`paused globally ${pausedBy(p)}`];
    if (p.scope === 'environment' && p.name === environment) return [`environment '${environment}' paused ${pausedBy(p)}`];
    if (p.scope === 'action' && p.name === action) return [`action '${action}' paused ${pausedBy(p)}`];
    return [];
  });
}

/** A pause of the autonomous tier turns `auto` into `one`: someone must look before it runs. */
export function autoPauseStep(requirement: Requirement, pauses: readonly Pause[]): { requirement: Requirement; trace: string[] } {
  const pause = pauses.find((p) => p.scope === 'auto');
  if (requirement !== 'auto' || pause === undefined) return { requirement, trace: [] };
  return { requirement: 'one', trace: [`autonomous tier paused ${pausedBy(pause)}; 'auto' becomes 'one'`] };
}

export function budgetStep(policy: Policy, name: string, action: Action, state: PolicyState): Step {
  const budget = action.budget;
  if (budget === undefined) return { reasons: [], trace: [] };
  const at = cite(policy, `actions.${name}.budget`);
  const trace = [`budget ${state.budgetUsed} of ${budget.max} in ${budget.per} used${at}`];
  // Written as "not below" so that a count that is not a number refuses (fail closed).
  if (state.budgetUsed < budget.max) return { reasons: [], trace };
  const reason = `budget of action '${name}' is used up: ${state.budgetUsed} of ${budget.max} executions in the last ${budget.per}${at}`;
  return { reasons: [reason], trace };
}

export function cooldownStep(policy: Policy, name: string, action: Action, target: string, state: PolicyState): Step {
  const cooldown = action.cooldown;
  if (cooldown === undefined) return { reasons: [], trace: [] };
  const at = cite(policy, `actions.${name}.cooldown`);
  const last = state.lastExecutionAt;
  if (last === null) return { reasons: [], trace: [`cooldown ${cooldown}: no earlier execution on '${target}'${at}`] };
  const until = new Date(last.getTime() + durationMs(cooldown));
  // "Not yet over" rather than "still running": an unreadable time keeps the target cooling down.
  if (state.now.getTime() >= until.getTime()) {
    return { reasons: [], trace: [`cooldown ${cooldown}: last execution on '${target}' at ${iso(last)}, over since ${iso(until)}${at}`] };
  }
  const reason = `target '${target}' is in cooldown for action '${name}' until ${iso(until)} (last execution ${iso(last)}, cooldown ${cooldown})${at}`;
  return { reasons: [reason], trace: [] };
}

/** 'one' needs a person, 'two' two distinct ones; a Slack user group may supply either. */
export function approverReasons(requirement: Requirement, approvers: EligibleApprovers, whose: string): string[] {
  const needed = requirement === 'two' ? 2 : requirement === 'one' ? 1 : 0;
  if (needed === 0 || approvers.usergroups.length > 0 || approvers.users.length >= needed) return [];
  return [`requirement '${requirement}' needs ${needed} distinct eligible approver(s) but ${whose} name ${approvers.users.length} user(s) and no user group`];
}

export function approversLine(requirement: Requirement, a: EligibleApprovers): string {
  return `requirement '${requirement}'; eligible approvers: groups ${listOrNone(a.groups)}; users ${listOrNone(a.users)}; user groups ${listOrNone(a.usergroups)}`;
}
