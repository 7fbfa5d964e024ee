import type { AppContext } from '../context.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { targetBounds } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import { appendAudit } from '../store/audit.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { transitionProposal } from '../store/repos/proposals.ts';
import { lockActionBudget } from '../store/repos/policy-state.ts';
import type { Trx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';
import type { Requirement } from '../domain/proposal.ts';
import { checkEligibility } from '../approvals/eligibility.ts';
import { evaluateProposalRowNow } from '../approvals/policy-now.ts';
import { AUTO_APPROVER } from '../domain/proposal.ts';
import { lastMomentRefusals } from './last-moment.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import type { ExecutorResult } from './executor.ts';
import { executorRegistry } from './registry.ts';

const EXECUTOR_TIMEOUT_MS = 15_000;

/**
 * Execution job. Claims `approved → executing` with a guarded update (a second job, a
 * retry or a second replica finds nothing to claim), then — holding the action's budget lock,
 * so replicas claiming the same action queue behind each other — re-evaluates the policy under
 * the state of the world now: kill switch, freeze, budget, cooldown, whitelist and bounds. Only
 * then does the executor run, outside any transaction; the outcome is recorded with its audit row.
 */
export async function executeProposal(ctx: AppContext, proposalId: string): Promise<void> {
  const log = ctx.log.child({ proposalId });
  const claim = await ctx.db.transaction().execute((trx) => claimForExecution(ctx, trx, proposalId));
  if (claim.kind === 'nothing') {
    log.info('nothing to execute: proposal is not in the approved state');
    return;
  }
  if (claim.kind === 'refused') {
    log.warn({ reasons: claim.reasons }, 'execution refused at the last moment');
    await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after a refusal'));
    return;
  }
  const claimed = claim.proposal;
  const result = await runWhitelisted(ctx, claimed).catch(
    (err: unknown): ExecutorResult => ({ status: 'failed', preState: null, postState: null, reason: `executor error: ${(err as Error).message}` }),
  );
  const outcome = result.status === 'succeeded' ? result.summary : `${result.status === 'refused' ? 'Refused' : 'Failed'}: ${result.reason}`;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('executions')
      .set({
        status: result.status,
        pre_state: canonicalJson(result.preState ?? null),
        post_state: result.status === 'refused' ? null : canonicalJson(result.postState ?? null),
        rollback: result.status === 'succeeded' ? canonicalJson(result.rollback) : null,
        error: result.status === 'succeeded' ? null : result.reason,
        finished_at: new Date(),
      })
      .where('proposal_id', '=', proposalId)
      .execute();
    await transitionProposal(trx, proposalId, 'executing', result.status, { outcome });
    await appendAudit(trx, { actor: 'system', kind: `execution.${result.status}`, subject: `proposal:${proposalId}`, payload: { ...result } });
  });
  log.info({ status: result.status, outcome }, 'execution finished');
  await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after execution'));
}

type Claim = { kind: 'nothing' } | { kind: 'refused'; reasons: string[] } | { kind: 'claimed'; proposal: ProposalRow };

async function claimForExecution(ctx: AppContext, trx: Trx, proposalId: string): Promise<Claim> {
  const p = await transitionProposal(trx, proposalId, 'approved', 'executing');
  if (!p) return { kind: 'nothing' };
  await lockActionBudget(trx, p.action);
  const now = ctx.now();
  const decision = await evaluateProposalRowNow(trx, ctx.policy.current, p, now);
  // Usually a cache hit: the approval click read the same user groups moments ago.
  const approverEligible = decision.ok && p.decided_by !== null && p.decided_by !== AUTO_APPROVER
    ? (await checkEligibility(ctx.usergroups, p.decided_by, decision.approvers)).ok
    : false;
  const reasons = lastMomentRefusals(decision, { requirement: p.requirement as Requirement, decidedBy: p.decided_by, approverEligible });
  const row = { proposal_id: p.id, action: p.action, target: p.target, params: canonicalJson(p.params), started_at: now };
  if (reasons.length > 0) {
    await trx.insertInto('executions').values({ ...row, status: 'refused', error: reasons.join('; '), finished_at: now }).execute();
    await transitionProposal(trx, p.id, 'executing', 'refused', { outcome: `Refused at the last moment: ${reasons.join('; ')}` });
    await appendAudit(trx, { actor: 'system', kind: 'execution.refused', subject: `proposal:${p.id}`, payload: { reasons, trace: decision.trace, hash: p.hash } });
    return { kind: 'refused', reasons };
  }
  await trx.insertInto('executions').values({ ...row, status: 'running' }).execute();
  await appendAudit(trx, { actor: 'system', kind: 'execution.started', subject: `proposal:${p.id}`, payload: { action: p.action, target: p.target, params: p.params, hash: p.hash, trace: decision.trace } });
  return { kind: 'claimed', proposal: p };
}

async function runWhitelisted(ctx: AppContext, proposal: ProposalRow): Promise<ExecutorResult> {
  const { action, target, params: rawParams } = proposal;
  const policy = ctx.policy.current;
  const decl = ownValue(policy.actions, action);
  if (!decl) return { status: 'refused', preState: null, reason: `action '${action}' is not whitelisted in the current policy` };
  const executor = executorRegistry.get(decl.executor);
  if (!executor) return { status: 'refused', preState: null, reason: `no executor of kind '${decl.executor}'` };
  const bounds = targetBounds(policy, action, target);
  if (!bounds) return { status: 'refused', preState: null, reason: `target '${target}' matches no target pattern of '${action}' in the current policy` };
  const params = executor.params.safeParse(rawParams);
  if (!params.success) return { status: 'refused', preState: null, reason: `invalid parameters: ${params.error.message}` };
  const evidence = await ctx.db.selectFrom('evidence').select('snapshot').where('id', '=', proposal.evidence_id).executeTakeFirstOrThrow();
  const observed = (evidence.snapshot as EvidenceSnapshot).diagnosis.candidate?.observed;
  return executor.run({ autoscaling: ctx.aws.autoscaling, timeoutMs: EXECUTOR_TIMEOUT_MS }, target, params.data, bounds, observed);
}

