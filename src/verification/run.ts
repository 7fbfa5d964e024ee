// The verification job, `verify.after` after an execution succeeded: re-read the declared signal,
// judge it against the policy's threshold, record the verdict with its audit row exactly once per
// execution, then post it in the proposal's thread with the human gate. With
// `verify.on_failure: rollback` a failed verdict also proposes the rollback, in the same
// transaction (requested by `policy:verify`; the policy still decides who must approve it).
import { onVerificationFailed, onVerificationPassed } from '../breakers/checks.ts';
import type { AppContext } from '../context.ts';
import { durationMs } from '../policy/schema.ts';
import { ownValue } from '../policy/matchers.ts';
import { createRollbackInTrx, VERIFY_REQUESTER, type RollbackCreation } from '../rollback/create.ts';
import { postRollback } from '../rollback/post.ts';
import { rollbackOf } from '../rollback/repo.ts';
import { appendAudit } from '../store/audit.ts';
import { getProposalForUpdate, getProposalWithEvidence } from '../store/repos/proposals.ts';
import { postVerdict } from './post.ts';
import { insertVerification, verificationOfProposal, type VerificationRow } from './repo.ts';
import { readVerifySignal, verificationWindowMinutes } from './signals.ts';
import { beforeValue, judge } from './verdict.ts';

/** Upper bound for the CloudWatch read: a hung call becomes `unavailable`, not a stuck job. */
const READ_TIMEOUT_MS = 10_000;

export async function verifyExecution(ctx: AppContext, proposalId: string): Promise<void> {
  const log = ctx.log.child({ proposalId });
  const existing = await verificationOfProposal(ctx.db, proposalId);
  // A retry after the verdict committed: only finish what was not posted.
  if (existing) return finishPosting(ctx, existing);
  const found = await getProposalWithEvidence(ctx.db, { id: proposalId });
  const execution = await ctx.db.selectFrom('executions').select(['id', 'status']).where('proposal_id', '=', proposalId).executeTakeFirst();
  if (!found || execution?.status !== 'succeeded') return log.info('nothing to verify: no successful execution');
  const { proposal, evidence } = found;
  const verify = ownValue(ctx.policy.current.actions, proposal.action)?.verify;
  if (!verify) {
    log.warn({ action: proposal.action }, 'action no longer declared: nothing to verify against');
    await ctx.db.transaction().execute((trx) => appendAudit(trx, { actor: 'system', kind: 'verification.skipped', subject: `proposal:${proposalId}`, payload: { reason: `action '${proposal.action}' is no longer declared in the policy` } }));
    return;
  }
  const windowMinutes = verificationWindowMinutes(durationMs(verify.after));
  const reading = await readVerifySignal(ctx.aws.cloudwatch, verify.signal, proposal.target, {
    now: ctx.now(), windowMinutes, timeoutMs: READ_TIMEOUT_MS, incidentId: proposal.incident_id,
    countFiring: async (incidentId) => Number((await ctx.db.selectFrom('alerts').select((e) => e.fn.countAll<string>().as('n')).where('incident_id', '=', incidentId).where('status', '=', 'firing').executeTakeFirstOrThrow()).n),
  });
  const judged = judge(verify, reading.ok ? reading.value : null);
  const before = beforeValue(evidence.diagnosis.signals ?? [], verify.signal);
  const after = reading.ok ? reading.value : null;
  const detail = reading.ok ? null : reading.error;
  const checkedAt = ctx.now();

  const { row, rollback, fresh } = await ctx.db.transaction().execute(async (trx) => {
    // Lock order everywhere: the proposal row, then the audit chain.
    const locked = await getProposalForUpdate(trx, proposalId);
    const stored = await insertVerification(trx, {
      proposal_id: proposalId, execution_id: execution.id, signal: verify.signal, query: reading.query, window: reading.window,
      before_value: before, after_value: after, comparison: judged.comparison, threshold: judged.threshold, verdict: judged.verdict, detail, checked_at: checkedAt,
    });
    if (!stored.inserted) return { row: stored.row, rollback: null, fresh: false };
    // The breakers' record of the verdict commits with the verdict, so a crash cannot lose it;
    // whether it trips a breaker is checked after the commit (and again by a retried job).
    if (judged.verdict !== 'unavailable' && locked) {
      await trx.insertInto('breaker_verdicts')
        .values({ proposal_id: proposalId, action: locked.action, environment: locked.environment, passed: judged.verdict === 'passed', at: checkedAt })
        .onConflict((oc) => oc.column('proposal_id').doNothing())
        .execute();
    }
    await appendAudit(trx, {
      actor: 'system',
      kind: `verification.${judged.verdict}`,
      subject: `proposal:${proposalId}`,
      payload: { verificationId: stored.row.id, executionId: execution.id, signal: verify.signal, query: reading.query, window: reading.window, before, after, comparison: judged.comparison, threshold: judged.threshold, detail },
    });
    let created: RollbackCreation | null = null;
    if (judged.verdict === 'failed' && verify.on_failure === 'rollback' && locked) {
      const why = `verification failed: ${verify.signal} was ${after} after the change, not ${judged.comparison} ${judged.threshold} (verify.on_failure: rollback)`;
      created = await createRollbackInTrx(ctx, trx, locked, VERIFY_REQUESTER, why);
      if (created.kind === 'refused') log.warn({ reason: created.reason }, 'automatic rollback not proposed');
    }
    return { row: stored.row, rollback: created, fresh: true };
  });
  log.info({ verdict: row.verdict, signal: row.signal, after: row.after_value }, 'verification recorded');
  // The breakers count verdicts (a failure streak demotes the action); an unreadable signal is
  // neither. Their own table keeps one verdict per proposal, so a retry counts nothing twice.
  if (fresh) await reportToBreakers(ctx, row);
  await postVerdict(ctx, row.id);
  if (rollback?.kind === 'created') await postRollback(ctx, rollback.proposalId, proposalId);
}

/** Idempotent: the verdict row is unique per proposal and each trip is keyed by what tripped it. */
async function reportToBreakers(ctx: AppContext, row: VerificationRow): Promise<void> {
  if (row.verdict === 'unavailable') return;
  const report = row.verdict === 'failed' ? onVerificationFailed : onVerificationPassed;
  await report(ctx, row.proposal_id).catch((err: unknown) => ctx.log.error({ err, proposalId: row.proposal_id }, 'could not report the verdict to the circuit breakers'));
}

async function finishPosting(ctx: AppContext, row: VerificationRow): Promise<void> {
  // A crash after the verdict committed may have skipped the breaker check: run it again.
  await reportToBreakers(ctx, row);
  if (!row.slack_ts) await postVerdict(ctx, row.id);
  const rollback = await rollbackOf(ctx.db, row.proposal_id);
  if (rollback) {
    const posted = await ctx.db.selectFrom('proposals').select('slack_ts').where('id', '=', rollback.proposalId).executeTakeFirst();
    if (!posted?.slack_ts) await postRollback(ctx, rollback.proposalId, row.proposal_id);
  }
}
