import type { AppContext } from '../context.ts';
import { canonicalJson } from '../domain/canonical.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import { supersedeInTrx } from '../approvals/supersede.ts';
import { runbookSecret } from '../config.ts';
import { policyTargetFor, targetBounds } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import { checkBreakersAfterExecution } from '../breakers/checks.ts';
import { appendAudit } from '../store/audit.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { claimForExecution } from './claim.ts';
import { dryRunNow } from './dry-run.ts';
import { executorAutoscaling } from './executor-clients.ts';
import type { ExecutorDeps, ExecutorResult } from './executor.ts';
import { resolveInterrupted, StillRunning } from './interrupted.ts';
import { scheduleVerificationInTrx } from '../verification/schedule.ts';
import { executorRegistry } from './registry.ts';

const EXECUTOR_TIMEOUT_MS = 15_000;

// Executors get their own Auto Scaling client with bounded attempts (executor-clients.ts).
const executorDeps = (ctx: AppContext): ExecutorDeps => ({
  autoscaling: executorAutoscaling(ctx.aws.autoscaling),
  timeoutMs: EXECUTOR_TIMEOUT_MS,
  secret: (name) => runbookSecret(name),
  now: ctx.now,
});

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
    // While the run may still be going (a slow launch, a runbook still answering), look again once
    // it cannot be: a durable re-check, not the job's few retries, which would all land too early.
    const interrupted = await resolveInterrupted(ctx, proposalId, executorDeps(ctx)).catch(async (err: unknown) => {
      if (!(err instanceof StillRunning) || !ctx.jobs.recheckExecution) throw err;
      await ctx.jobs.recheckExecution(proposalId, err.recheckAt);
      log.info({ recheckAt: err.recheckAt }, 'execution may still be running; re-check scheduled');
      return null;
    });
    if (interrupted === null) return;
    if (interrupted) {
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
  const evidence = await ctx.db.selectFrom('evidence').select('snapshot').where('id', '=', claimed.evidence_id).executeTakeFirst().catch(() => undefined);
  const snapshot = evidence?.snapshot as EvidenceSnapshot | undefined;
  // Frozen at proposal time, and re-checked now: either one saying dry run means no write.
  const dryRun = snapshot?.policy.dryRun === true || dryRunNow(ctx.policy.current, claimed.environment, claimed.action);
  const result = await (snapshot
    ? runWhitelisted(ctx, claimed, snapshot, dryRun)
    : Promise.resolve<ExecutorResult>({ status: 'refused', preState: null, reason: 'the evidence of this proposal could not be read' })
  ).catch(
    (err: unknown): ExecutorResult => ({ status: 'failed', preState: null, postState: null, reason: `executor error: ${(err as Error).message}` }),
  );
  const outcome = result.status === 'succeeded' ? result.summary : `${result.status === 'refused' ? 'Refused' : 'Failed'}: ${result.reason}`;
  const recorded = await ctx.db.transaction().execute(async (trx) => {
    // Lock order everywhere: the proposal row, then the budget lock, then the audit chain.
    const locked = await getProposalForUpdate(trx, proposalId);
    // A retried job may have given this run up as interrupted ("outcome unknown") while it was
    // still in flight. Its result is then history, not the outcome: audited, nothing overwritten,
    // nothing verified, so the record never contradicts itself.
    if (locked?.state !== 'executing') {
      await appendAudit(trx, { actor: 'system', kind: 'execution.late-result', subject: `proposal:${proposalId}`, payload: { ...result, dryRun, proposalState: locked?.state ?? null } });
      return false;
    }
    await trx
      .updateTable('executions')
      .set({
        status: result.status,
        pre_state: canonicalJson(result.preState ?? null),
        post_state: result.status === 'refused' ? null : canonicalJson(result.postState ?? null),
        rollback: result.status === 'succeeded' && result.rollback ? canonicalJson(result.rollback) : null,
        error: result.status === 'succeeded' ? null : result.reason,
        dry_run: dryRun,
        finished_at: new Date(),
      })
      .where('proposal_id', '=', proposalId)
      .where('status', '=', 'running')
      .execute();
    await appendAudit(trx, { actor: 'system', kind: `execution.${result.status}`, subject: `proposal:${proposalId}`, payload: { ...result, dryRun } });
    // The target is no longer what the evidence saw: the approvals were for another situation.
    if (result.status === 'refused' && result.stale) await supersedeInTrx(ctx, trx, claimed, 'executing', 'target changed since proposal');
    else await transitionProposal(trx, proposalId, 'executing', result.status, { outcome });
    // The post-change check, durable with the success it checks (verification/schedule.ts). A dry
    // run changed nothing, so there is nothing to verify.
    if (result.status === 'succeeded' && !dryRun) await scheduleVerificationInTrx(ctx, trx, claimed);
    return true;
  });
  if (!recorded) {
    log.warn({ status: result.status, outcome }, 'execution finished after it had been recorded as interrupted; result audited only');
    return;
  }
  log.info({ status: result.status, outcome }, 'execution finished');
  // Circuit breakers (soft/hard limits) count recorded executions; the change already ran, so a
  // failed check is logged rather than failing the job (a retry would find nothing to execute).
  // A dry run is a rehearsal: it never demotes or pauses anything.
  if (!dryRun) await checkBreakersAfterExecution(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'circuit breaker check after the execution failed'));
  await updateProposalCard(ctx, proposalId).catch((err: unknown) => log.error({ err }, 'could not update the card after execution'));
}

async function runWhitelisted(ctx: AppContext, proposal: ProposalRow, snapshot: EvidenceSnapshot, dryRun: boolean): Promise<ExecutorResult> {
  const { action, target, params: rawParams } = proposal;
  const policy = ctx.policy.current;
  const decl = ownValue(policy.actions, action);
  if (!decl) return { status: 'refused', preState: null, reason: `action '${action}' is not whitelisted in the current policy` };
  const executor = executorRegistry.get(decl.executor);
  if (!executor) return { status: 'refused', preState: null, reason: `no executor of kind '${decl.executor}'` };
  const matched = policyTargetFor(decl, target);
  if (!matched) return { status: 'refused', preState: null, reason: `target '${target}' matches no target pattern of '${action}' in the current policy` };
  const params = executor.params.safeParse(rawParams);
  if (!params.success) return { status: 'refused', preState: null, reason: `invalid parameters: ${params.error.message}` };
  const bounds = matched.target.asg !== undefined ? targetBounds(policy, action, target) : null;
  return executor.run(executorDeps(ctx), {
    action,
    target,
    params: params.data,
    decl,
    policyTarget: matched.target,
    bounds: bounds ? { min: bounds.min, max: bounds.max, maxStep: bounds.maxStep } : null,
    observed: snapshot.diagnosis.candidate?.observed,
    idempotencyKey: proposal.id,
    dryRun,
  });
}

