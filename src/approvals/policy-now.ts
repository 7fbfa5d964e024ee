import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { stricter } from '../policy/decision.ts';
import type { PolicyDecision, PolicyState, ProposalInput } from '../policy/decision.ts';
import { evaluateProposal } from '../policy/evaluator.ts';
import type { Policy } from '../policy/schema.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';
import { readPolicyState } from '../store/repos/policy-state.ts';

export interface ProposalFacts {
  environment: string;
  action: string;
  target: string;
  params: Record<string, unknown>;
  /** What the diagnosis saw of the target (e.g. desiredCapacity), from the frozen evidence. */
  observed?: Record<string, number> | undefined;
  confidence: number;
}

/**
 * The policy's decision for these facts under the state of the world *now* (budgets and
 * cooldowns from executions, the kill switch, freezes at `now`). Used when proposing, on
 * every click and at the last moment before executing, so each sees the same rules.
 */
export async function evaluateNow(db: DbOrTrx, policy: Policy, facts: ProposalFacts, now: Date): Promise<PolicyDecision> {
  const state = await readPolicyState(db, policy, { action: facts.action, target: facts.target, now });
  return evaluateProposal(policy, toInput(facts, state));
}

function toInput(facts: ProposalFacts, state: PolicyState): ProposalInput {
  const current = facts.observed?.desiredCapacity;
  return {
    environment: facts.environment,
    action: facts.action,
    target: facts.target,
    params: facts.params as { desiredCapacity?: number },
    current: current === undefined ? undefined : { desiredCapacity: current },
    confidence: facts.confidence,
    state,
  };
}

/**
 * The decision a new proposal is made with. A change the policy allows but that is blocked
 * only for now — a pause, a used-up budget, a cooldown — stays a proposal a person can approve
 * once the block clears (each click and the execution re-check it), never `auto`, with the
 * blocking reasons shown. Only what the policy never allows becomes advisory.
 */
export async function decisionForNewProposal(db: DbOrTrx, policy: Policy, facts: ProposalFacts, now: Date): Promise<{ decision: PolicyDecision; blocked: string[] }> {
  const state = await readPolicyState(db, policy, { action: facts.action, target: facts.target, now });
  const live = evaluateProposal(policy, toInput(facts, state));
  if (live.ok) return { decision: live, blocked: [] };
  // A demotion is not a passing block: it holds until an admin lifts it, so it stays in the standing decision.
  const standing = evaluateProposal(policy, toInput(facts, { now, budgetUsed: 0, lastExecutionAt: null, pauses: [], demotions: state.demotions ?? [] }));
  if (!standing.ok) return { decision: live, blocked: [] };
  const trace = [...standing.trace, `blocked right now (${live.reasons.join('; ')}): a person decides once it clears`];
  return { decision: { ...standing, requirement: stricter(standing.requirement, 'one'), trace }, blocked: live.reasons };
}

/** `evaluateNow` for a stored proposal: its facts, with what the diagnosis saw from its frozen evidence. */
export async function evaluateProposalRowNow(db: DbOrTrx, policy: Policy, row: ProposalRow, now: Date): Promise<PolicyDecision> {
  const evidence = await db.selectFrom('evidence').select('snapshot').where('id', '=', row.evidence_id).executeTakeFirstOrThrow();
  const { diagnosis } = evidence.snapshot as EvidenceSnapshot;
  const facts = { environment: row.environment, action: row.action, target: row.target, params: row.params, observed: diagnosis.candidate?.observed, confidence: diagnosis.confidence };
  return evaluateNow(db, policy, facts, now);
}
