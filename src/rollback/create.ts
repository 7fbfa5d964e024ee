// A rollback is a NEW proposal: the undo an execution recorded ({action, target, params}), linked
// to the original by `rollback_of`, with the requirement the policy gives it NOW — never the
// original's, never looser because it is "only" an undo. One per execution: the original's row is
// locked first and a unique index backs it, so double clicks, retries and the automatic path on a
// failed verification find the one that exists.
import { canonicalJson, hashOf } from '../domain/canonical.ts';
import type { AppContext } from '../context.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { AUTO_APPROVER, type Requirement } from '../domain/proposal.ts';
import { proposalHash } from '../approvals/propose.ts';
import { decisionForNewProposal } from '../approvals/policy-now.ts';
import { ownValue } from '../policy/matchers.ts';
import { appendAudit } from '../store/audit.ts';
import type { Trx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';
import { expectedAfter, rollbackEvidence } from './evidence.ts';
import { executionOf, rollbackOf } from './repo.ts';

/** Recorded as the requester of a rollback that a failed verification asked for (`verify.on_failure: rollback`). */
export const VERIFY_REQUESTER = 'policy:verify';

export type RollbackCreation =
  | { kind: 'created'; proposalId: string; state: 'pending' | 'approved' | 'advisory'; requirement: Requirement }
  | { kind: 'refused'; reason: string };

/** Pure: why this proposal cannot be rolled back (null when it can), from its state and its execution. */
export function rollbackRefusal(p: Pick<ProposalRow, 'state'>, execution: { status: string; rollback: unknown } | undefined, existing: { proposalId: string; state: string; requestedBy: string | null } | undefined): string | null {
  if (existing) {
    const by = existing.requestedBy ? ` by ${existing.requestedBy}` : '';
    return `a rollback of this change was already requested${by} (proposal ${existing.proposalId}, ${existing.state}); there is one rollback per execution`;
  }
  if (p.state !== 'succeeded' || execution?.status !== 'succeeded') return `only a change that ran successfully can be rolled back; this proposal is ${p.state}`;
  if (!execution.rollback) return 'this execution recorded no rollback: undoing it is a human task';
  return null;
}

/**
 * In the caller's transaction, which holds the original proposal's row lock (lock order: that row,
 * then the audit chain). Creates the incident, evidence and proposal of the rollback with their
 * audit rows; when the policy's requirement is `auto` it is approved by policy and its execution
 * job enqueued in this same transaction.
 */
export async function createRollbackInTrx(ctx: AppContext, trx: Trx, original: ProposalRow, requestedBy: string, why: string): Promise<RollbackCreation> {
  const execution = await executionOf(trx, original.id);
  const refusal = rollbackRefusal(original, execution, await rollbackOf(trx, original.id));
  if (refusal || !execution?.rollback) return { kind: 'refused', reason: refusal ?? 'no rollback recorded' };
  const plan = execution.rollback;
  const now = ctx.now();
  const policy = ctx.policy.current;
  const observed = expectedAfter(plan, execution.postState);
  const { decision, blocked } = await decisionForNewProposal(trx, policy, { environment: original.environment, action: plan.action, target: plan.target, params: plan.params, observed, confidence: 1 }, now);
  const requirement: Requirement = decision.ok ? decision.requirement : 'advisory';

  const orig = await trx.selectFrom('evidence').select('snapshot').where('id', '=', original.evidence_id).executeTakeFirstOrThrow();
  const originalEvidence = orig.snapshot as EvidenceSnapshot;
  // A rollback has its own incident: it must still run when the original alert has resolved
  // (a resolved incident cancels what waits on it), and an incident holds one live proposal.
  const incident = await trx
    .insertInto('incidents')
    .values({ group_key: `rollback:${original.id}`, source: 'rollback', title: `Rollback of ${original.action} on ${original.target}`, status: 'open' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const snapshot = rollbackEvidence({
    takenAt: now,
    incidentId: incident.id,
    original,
    originalEvidence,
    plan,
    observed,
    why,
    channel: original.slack_channel ?? originalEvidence.channel,
    decision,
    blocked,
    actionDescription: ownValue(policy.actions, plan.action)?.description ?? null,
  });
  const evidenceHash = hashOf(snapshot);
  const evidence = await trx.insertInto('evidence').values({ incident_id: incident.id, hash: evidenceHash, snapshot: canonicalJson(snapshot) }).returning('id').executeTakeFirstOrThrow();
  const hash = proposalHash({ action: plan.action, params: plan.params, target: plan.target, environment: original.environment, evidenceId: evidence.id });
  const state = requirement === 'advisory' ? 'advisory' : requirement === 'auto' ? 'approved' : 'pending';
  const inserted = await trx
    .insertInto('proposals')
    .values({
      incident_id: incident.id,
      evidence_id: evidence.id,
      action: plan.action,
      target: plan.target,
      environment: original.environment,
      params: JSON.stringify(plan.params),
      hash,
      requirement,
      approvers: JSON.stringify(snapshot.policy.approvers),
      state,
      requested_by: requestedBy,
      rollback_of: original.id,
      ...(requirement === 'auto' ? { decided_by: AUTO_APPROVER, decided_at: now } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await appendAudit(trx, { actor: 'system', kind: 'evidence.frozen', subject: `evidence:${evidence.id}`, payload: { incidentId: incident.id, hash: evidenceHash } });
  await appendAudit(trx, {
    actor: requestedBy.startsWith('policy:') ? requestedBy : `slack:${requestedBy}`,
    kind: 'rollback.requested',
    subject: `proposal:${original.id}`,
    payload: { rollbackProposalId: inserted.id, executionId: execution.id, plan, why, requirement },
  });
  await appendAudit(trx, {
    actor: 'system',
    kind: 'proposal.created',
    subject: `proposal:${inserted.id}`,
    payload: { incidentId: incident.id, evidenceId: evidence.id, action: plan.action, target: plan.target, params: plan.params, environment: original.environment, requirement, approvers: snapshot.policy.approvers, hash, rollbackOf: original.id, requestedBy },
  });
  if (requirement === 'auto') {
    await appendAudit(trx, { actor: AUTO_APPROVER, kind: 'proposal.approved', subject: `proposal:${inserted.id}`, payload: { hash, action: plan.action, target: plan.target, params: plan.params, trace: snapshot.policy.trace } });
    await ctx.jobs.enqueueExecution(trx, inserted.id);
  }
  return { kind: 'created', proposalId: inserted.id, state, requirement };
}
