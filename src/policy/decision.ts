// The vocabulary of a policy decision: what the pure evaluator needs to know about the world
// (state read from Postgres by the caller) and what it answers. No I/O here.
import type { CapacityBounds } from '../domain/bounds.ts';
import type { Requirement } from '../domain/proposal.ts';

/** Strictness order: a later requirement is stricter than an earlier one. */
export const requirementOrder: readonly Requirement[] = ['auto', 'one', 'two', 'advisory'];

export function stricter(a: Requirement, b: Requirement): Requirement {
  return requirementOrder.indexOf(a) >= requirementOrder.indexOf(b) ? a : b;
}

export type PauseScope = 'global' | 'environment' | 'action' | 'auto';

/** One active pause of the kill switch. `auto` pauses the autonomous tier only. */
export interface Pause {
  scope: PauseScope;
  /** Environment or action name; null for `global` and `auto`. */
  name: string | null;
  by: string;
  reason: string;
  at: Date;
}

/** What the evaluator must know about the world; the caller reads it (from Postgres) first. */
export interface PolicyState {
  now: Date;
  /** Executions of this action (any target) started within its budget window, refused ones excluded. */
  budgetUsed: number;
  /** When this action last started on this target (refused ones excluded), or null. */
  lastExecutionAt: Date | null;
  /** Active pauses. A kill switch that could not be read is passed as a global pause. */
  pauses: readonly Pause[];
  /**
   * Active demotions of this action by the circuit breakers (src/breakers/). readPolicyState always
   * fills it; a demotions table that could not be read is passed as a demotion to advisory in every
   * environment. Absent only where no database is involved (policy test cases): none.
   */
  demotions?: readonly Demotion[];
}

/** One active demotion: the action's requirement in `environment` is `level` steps stricter. */
export interface Demotion {
  action: string;
  /** null: every environment (only for the fail-closed stand-in of an unreadable table). */
  environment: string | null;
  /** Steps along auto → one → two → advisory. */
  level: number;
  /** One per step taken, oldest first. */
  reasons: readonly { at: Date; reason: string }[];
}

export interface TargetBounds extends CapacityBounds {
  /** The target pattern that matched, e.g. `web-*`. */
  pattern: string;
}

export interface EligibleApprovers {
  /** Approver group names the decision drew on (or `admins` during a freeze). */
  groups: string[];
  /** Slack user ids named directly, sorted and distinct. */
  users: string[];
  /** Slack user group ids whose members are resolved at decision time, sorted and distinct. */
  usergroups: string[];
}

export interface ActiveFreeze {
  name: string;
  from: Date;
  until: Date;
  reason: string | null;
}

export type PolicyDecision =
  | {
      ok: true;
      requirement: Requirement;
      /** The matrix cell for (environment, blast radius), before the action's own stricter requirement. */
      matrixRequirement: Requirement;
      approvers: EligibleApprovers;
      /** Set during a freeze: only admins may approve, and `auto` needs one of them. */
      freeze: ActiveFreeze | null;
      bounds: TargetBounds;
      /** Human-readable steps, each citing the policy line that produced it (`file:line`) where known. */
      trace: string[];
    }
  | { ok: false; requirement: 'advisory'; reasons: string[]; trace: string[] };

export interface ProposalInput {
  environment: string;
  action: string;
  target: string;
  params: { desiredCapacity?: number };
  current?: { desiredCapacity: number };
  /** Accepted only so callers can pass it; it is deliberately never read (principle 3). */
  confidence: number;
  state: PolicyState;
}
