import type { AppContext } from '../context.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { targetBounds } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import { appendAudit } from '../store/audit.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { transitionProposal } from '../store/repos/proposals.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import type { ExecutorResult } from './executor.ts';
import { executorRegistry } from './registry.ts';

const EXECUTOR_TIMEOUT_MS = 15_000;

/**
 * Execution job. Claims `approved → executing` with a guarded update (a second job, a
 * retry or a second replica finds nothing to claim), re-checks the whitelist and bounds
 * against the policy in force now, calls the executor outside any transaction, and records
 * the outcome with its audit row.
 */
export async function executeProposal(ctx: AppContext, proposalId: string): Promise<void> {
  const log = ctx.log.child({ proposalId });
  const claimed = await ctx.db.transaction().execute(async (trx) => {
    const p = await transitionProposal(trx, proposalId, 'approved', 'executing');
    if (!p) return undefined;
    await trx.insertInto('executions').values({ proposal_id: p.id, action: p.action, target: p.target, params: canonicalJson(p.params), status: 'running' }).execute();
    await appendAudit(trx, { actor: 'system', kind: 'execution.started', subject: `proposal:${p.id}`, payload: { action: p.action, target: p.target, params: p.params, hash: p.hash } });
    return p;
  });
  if (!claimed) {
    log.info('nothing to execute: proposal is not in the approved state');
    return;
  }
  const result = await runWhitelisted(ctx, claimed.action, claimed.target, claimed.params, claimed.evidence_id).catch(
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

async function runWhitelisted(ctx: AppContext, action: string, target: string, rawParams: unknown, evidenceId: string): Promise<ExecutorResult> {
  const policy = ctx.policy.current;
  const decl = ownValue(policy.actions, action);
  if (!decl) return { status: 'refused', preState: null, reason: `action '${action}' is not whitelisted in the current policy` };
  const executor = executorRegistry.get(decl.executor);
  if (!executor) return { status: 'refused', preState: null, reason: `no executor of kind '${decl.executor}'` };
  const bounds = targetBounds(policy, action, target);
  if (!bounds) return { status: 'refused', preState: null, reason: `target '${target}' matches no target pattern of '${action}' in the current policy` };
  const params = executor.params.safeParse(rawParams);
  if (!params.success) return { status: 'refused', preState: null, reason: `invalid parameters: ${params.error.message}` };
  const evidence = await ctx.db.selectFrom('evidence').select('snapshot').where('id', '=', evidenceId).executeTakeFirstOrThrow();
  const observed = (evidence.snapshot as EvidenceSnapshot).diagnosis.candidate?.observed;
  return executor.run({ autoscaling: ctx.aws.autoscaling, timeoutMs: EXECUTOR_TIMEOUT_MS }, target, params.data, bounds, observed);
}

