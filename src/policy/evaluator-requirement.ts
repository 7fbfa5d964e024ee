// How much human attention a proposal needs. The matrix cell for (environment, blast radius) is
// the floor; the action's own requirement, a pause of the autonomous tier and a freeze can only
// make it stricter. Confidence has no say (principle 3).
import { cite, iso } from './citation.ts';
import { stricter } from './decision.ts';
import type { ActiveFreeze, EligibleApprovers, ProposalInput } from './decision.ts';
import { approverReasons, autoPauseStep } from './evaluator-checks.ts';
import { demotionStep } from '../breakers/demotion.ts';
import type { Step } from './evaluator-checks.ts';
import { activeFreeze } from './freeze.ts';
import { ownValue } from './matchers.ts';
import type { Policy } from './schema.ts';
import type { Requirement } from '../domain/proposal.ts';

export interface RequirementDerivation {
  requirement: Requirement;
  /** The matrix cell alone, before the action's own requirement. */
  matrixRequirement: Requirement;
  trace: string[];
}

function ownRequirementLine(path: string, own: Requirement, matrix: Requirement, at: string): string {
  if (own === matrix) return `${path} is also '${own}'${at}`;
  return stricter(own, matrix) === own
    ? `${path} raises it to '${own}'${at}`
    : `${path} '${own}' is looser than the matrix cell and cannot lower it${at}`;
}

/** The static requirement of `action` in `environment`; null without a matrix row or a whitelisted action. */
export function requirementFor(policy: Policy, environment: string, action: string): RequirementDerivation | null {
  const declared = ownValue(policy.actions, action);
  const row = ownValue(policy.requirements, environment);
  if (!declared || !row) return null;
  const cell = `requirements.${environment}.${declared.blast_radius}`;
  const matrixRequirement = row[declared.blast_radius];
  const trace = [`${cell} is '${matrixRequirement}'${cite(policy, cell)}`];
  const own = declared.requirement;
  if (own === undefined) return { requirement: matrixRequirement, matrixRequirement, trace };
  const path = `actions.${action}.requirement`;
  trace.push(ownRequirementLine(path, own, matrixRequirement, cite(policy, path)));
  return { requirement: stricter(matrixRequirement, own), matrixRequirement, trace };
}

/** Why the requirement could not be derived or forbids execution; [] when it allows approval. */
export function requirementReasons(
  policy: Policy,
  environment: string,
  action: string,
  derived: RequirementDerivation | null,
): string[] {
  if (derived === null) {
    return [`environment '${environment}' has no row in requirements, so no approval requirement is defined for it`];
  }
  if (derived.requirement !== 'advisory') return [];
  const blast = ownValue(policy.actions, action)?.blast_radius;
  const path = derived.matrixRequirement === 'advisory' ? `requirements.${environment}.${blast}` : `actions.${action}.requirement`;
  return [`${path} is advisory: a human implements this change${cite(policy, path)}`];
}

interface FreezeOutcome extends Step {
  requirement: Requirement;
  approvers: EligibleApprovers;
}

/** During a freeze only the admins approve, and nothing runs without one of them. */
function freezeStep(
  policy: Policy,
  freeze: ActiveFreeze | null,
  requirement: Requirement,
  approvers: EligibleApprovers,
): FreezeOutcome {
  if (freeze === null) return { requirement, approvers, reasons: [], trace: [] };
  const admins = { groups: ['admins'], users: [...new Set(policy.admins)].sort(), usergroups: [] };
  const why = freeze.reason ? `: ${freeze.reason}` : '';
  const line = `freeze '${freeze.name}' is active from ${iso(freeze.from)} until ${iso(freeze.until)}${why}; only admins may approve and the requirement is at least 'one'${cite(policy, `freezes.${freeze.name}`)}`;
  const reasons =
    admins.users.length > 0
      ? []
      : [`freeze '${freeze.name}' is active until ${iso(freeze.until)} and the policy names no admins who could approve`];
  return { requirement: stricter(requirement, 'one'), approvers: admins, reasons, trace: [line] };
}

export interface ApprovalStep extends Step {
  requirement: Requirement;
  /** null when the environment has no matrix row (the step then carries a reason). */
  matrixRequirement: Requirement | null;
  approvers: EligibleApprovers;
  freeze: ActiveFreeze | null;
}

/**
 * Requirement and approvers of a whitelisted action: the matrix cell made stricter by the
 * action, the circuit breakers' demotions, an auto-tier pause and a freeze, then whether enough people could approve it.
 */
export function approvalStep(
  policy: Policy,
  input: Pick<ProposalInput, 'environment' | 'action' | 'state'>,
  approvers: EligibleApprovers,
  environmentDeclared: boolean,
): ApprovalStep {
  const derived = requirementFor(policy, input.environment, input.action);
  // An undeclared environment is refused already; its missing matrix row would say it twice.
  const own = derived === null && !environmentDeclared ? [] : requirementReasons(policy, input.environment, input.action, derived);
  // Circuit breakers demote from the policy's requirement; a pause of the auto tier and a freeze come on top.
  const demoted = derived === null ? null : demotionStep(derived.requirement, input.state.demotions ?? [], input.action, input.environment);
  const auto = autoPauseStep(demoted?.requirement ?? 'advisory', input.state.pauses);
  const freeze = activeFreeze(policy, input.environment, input.state.now);
  const frozen = freezeStep(policy, freeze, auto.requirement, approvers);
  const whose = freeze ? 'the admins (only they approve during a freeze)' : `the approver groups of action '${input.action}'`;
  // With no admins during a freeze the freeze reason already says that nobody can approve.
  const count = frozen.reasons.length > 0 ? [] : approverReasons(frozen.requirement, frozen.approvers, whose);
  return {
    requirement: frozen.requirement,
    matrixRequirement: derived?.matrixRequirement ?? null,
    approvers: frozen.approvers,
    freeze,
    reasons: [...own, ...(demoted?.reasons ?? []), ...frozen.reasons, ...count],
    trace: [...(derived?.trace ?? []), ...(demoted?.trace ?? []), ...auto.trace, ...frozen.trace],
  };
}
