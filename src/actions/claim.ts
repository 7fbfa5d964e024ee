// Claiming an approved proposal for execution: the last moment before the executor runs. Under
// the proposal's row lock and the action's budget lock, in one transaction: the execution clock,
// the alert still firing, and the policy re-evaluated under the state of the world now.
import { approvalsNeeded, countingApprovals } from '../approvals/counting.ts';
import { withEscalation } from '../approvals/eligibility.ts';
import { ALERT_RESOLVED, cancelInTrx, incidentResolved } from '../approvals/cancel.ts';
import { expireInTrx, expiryReason } from '../approvals/clocks.ts';
import { evaluateProposalRowNow } from '../approvals/policy-now.ts';
import type { AppContext } from '../context.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { AUTO_APPROVER, type Requirement } from '../domain/proposal.ts';
import { appendAudit } from '../store/audit.ts';
import type { Trx } from '../store/db.ts';
import { lockActionBudget } from '../store/repos/policy-state.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { lastMomentRefusals } from './last-moment.ts';

export type Claim = { kind: 'nothing' } | { kind: 'stopped'; reasons: string[] } | { kind: 'claimed'; proposal: ProposalRow };

export async function claimForExecution(ctx: AppContext, trx: Trx, proposalId: string): Promise<Claim> {
  const current = await getProposalForUpdate(trx, proposalId);
  if (current?.state !== 'approved') return { kind: 'nothing' };
  const now = ctx.now();
  const late = expiryReason(current, now, ctx.policy.current.time_limits);
  if (late) {
    await expireInTrx(trx, current, late, now);
    return { kind: 'stopped', reasons: [`expired: ${late}`] };
  }
  if (await incidentResolved(trx, current.incident_id)) {
    await cancelInTrx(trx, current, ALERT_RESOLVED, now);
    return { kind: 'stopped', reasons: [ALERT_RESOLVED] };
  }

  const p = await transitionProposal(trx, proposalId, 'approved', 'executing');
  if (!p) return { kind: 'nothing' };
  await lockActionBudget(trx, p.action);
  const decision = await evaluateProposalRowNow(trx, ctx.policy.current, p, now);
  // Every approval is re-checked, not only the last one. Usually cache hits: the clicks read the
  // same user groups moments ago.
  const stored = p.requirement as Requirement;
  const counting = decision.ok && p.decided_by !== AUTO_APPROVER
    ? (await countingApprovals(ctx.usergroups, trx, p, withEscalation(ctx.policy.current, decision, p.escalated_at !== null))).length
    : 0;
  // A stricter requirement now is reported by lastMomentRefusals itself.
  const needed = approvalsNeeded(stored);
  const reasons = lastMomentRefusals(decision, { requirement: stored, decidedBy: p.decided_by, counting, needed });
  const row = { proposal_id: p.id, action: p.action, target: p.target, params: canonicalJson(p.params), started_at: now };
  if (reasons.length > 0) {
    await trx.insertInto('executions').values({ ...row, status: 'refused', error: reasons.join('; '), finished_at: now }).execute();
    await transitionProposal(trx, p.id, 'executing', 'refused', { outcome: `Refused at the last moment: ${reasons.join('; ')}` });
    await appendAudit(trx, { actor: 'system', kind: 'execution.refused', subject: `proposal:${p.id}`, payload: { reasons, trace: decision.trace, hash: p.hash } });
    return { kind: 'stopped', reasons };
  }
  await trx.insertInto('executions').values({ ...row, status: 'running' }).execute();
  await appendAudit(trx, { actor: 'system', kind: 'execution.started', subject: `proposal:${p.id}`, payload: { action: p.action, target: p.target, params: p.params, hash: p.hash, trace: decision.trace } });
  return { kind: 'claimed', proposal: p };
}
