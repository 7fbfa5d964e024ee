import type { AppContext } from '../context.ts';
import { canonicalJson } from '../domain/canonical.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { supersedeInTrx } from '../approvals/supersede.ts';
import { targetBounds } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import { appendAudit } from '../store/audit.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { claimForExecution } from './claim.ts';
import type { ExecutorDeps, ExecutorResult } from './executor.ts';
import { resolveInterrupted } from './interrupted.ts';
import { executorRegistry } from './registry.ts';

const EXECUTOR_TIMEOUT_MS = 15_000;

const executorDeps = (ctx: AppContext): ExecutorDeps => ({ autoscaling: ctx.aws.autoscaling, timeoutMs: EXECUTOR_TIMEOUT_MS });

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
    // A retried job after its process died mid-call: record the unknown outcome, never re-run.
    if (await resolveInterrupted(ctx, proposalId, executorDeps(ctx))) {
      log.warn('execution was interrupted; outcome recorded as unknown with a re-read of the target');
      await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after an interrupted execution'));
    } else log.info('nothing to execute: proposal is not in the approved state');
    return;
  }
  if (claim.kind === 'stopped') {
    log.warn({ reasons: claim.reasons }, 'execution stopped at the last moment');
    await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after a refusal'));
    return;
  }
  const claimed = claim.proposal;
  const result = await runWhitelisted(ctx, claimed).catch(
    (err: unknown): ExecutorResult => ({ status: 'failed', preState: null, postState: null, reason: `executor error: ${(err as Error).message}` }),
  );
  const outcome = result.status === 'succeeded' ? result.summary : `${result.status === 'refused' ? 'Refused' : 'Failed'}: ${result.reason}`;
  await ctx.db.transaction().execute(async (trx) => {
    // Lock order everywhere: the proposal row, then the budget lock, then the audit chain.
    await getProposalForUpdate(trx, proposalId);
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
    await appendAudit(trx, { actor: 'system', kind: `execution.${result.status}`, subject: `proposal:${proposalId}`, payload: { ...result } });
    // The target is no longer what the evidence saw: the approvals were for another situation.
    if (result.status === 'refused' && result.stale) await supersedeInTrx(ctx, trx, claimed, 'executing', 'target changed since proposal');
    else await transitionProposal(trx, proposalId, 'executing', result.status, { outcome });
  });
  log.info({ status: result.status, outcome }, 'execution finished');
  await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after execution'));
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
  return executor.run(executorDeps(ctx), target, params.data, bounds, observed);
}

