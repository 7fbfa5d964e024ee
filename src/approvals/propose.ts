import { canonicalJson, hashOf } from '../domain/canonical.ts';
import type { AppContext } from '../context.ts';
import { runDiagnosis } from '../diagnosis/engine.ts';
import { AUTO_APPROVER, type Requirement } from '../domain/proposal.ts';
import { matchRule, resolveEnvironment } from '../policy/evaluator.ts';
import { diagnoseRequestFor } from '../diagnosis/request.ts';
import { startApprovalClock } from './clocks.ts';
import { escalateIfRecommended } from './recommended-escalation.ts';
import { buildSnapshot } from './evidence-snapshot.ts';
import { decisionForNewProposal } from './policy-now.ts';
import { ownValue } from '../policy/matchers.ts';
import { dryRunNow } from '../actions/dry-run.ts';
import { appendAudit } from '../store/audit.ts';
import { alertHistory } from '../store/repos/alert-history.ts';
import { firstAlertOfIncident } from '../store/repos/incidents.ts';
import { getProposalForIncident } from '../store/repos/proposals.ts';
import { postApprovalDms, postProposalCard } from '../slack/notifier.ts';
import { checkRecurrence } from '../breakers/checks.ts';

/** The proposal hash binds an approval to exactly this action on exactly this evidence. */
export function proposalHash(p: { action: string; params: Record<string, unknown>; target: string; environment: string; evidenceId: string }): string {
  return hashOf({ action: p.action, params: p.params, target: p.target, environment: p.environment, evidenceId: p.evidenceId });
}

async function auditOnly(ctx: AppContext, incidentId: string, kind: string, payload: Record<string, unknown>): Promise<void> {
  await ctx.db.transaction().execute((trx) => appendAudit(trx, { actor: 'system', kind, subject: `incident:${incidentId}`, payload }));
}

/**
 * Diagnosis job for a newly opened incident: read signals, apply the policy, freeze the
 * evidence and the proposal in one transaction, then post the card. Safe to run again:
 * an incident keeps one proposal, and a card that failed to post is posted on the retry.
 */
export async function proposeForIncident(ctx: AppContext, incidentId: string): Promise<void> {
  const log = ctx.log.child({ incidentId });
  const existing = await getProposalForIncident(ctx.db, incidentId);
  if (existing) {
    // A retry after posting failed part-way: finish what is missing (each step is idempotent).
    if (!existing.posted_at) await postAndStartClock(ctx, existing.id);
    return;
  }
  // A superseded proposal asks for a new diagnosis; an incident that has resolved since needs none.
  const incident = await ctx.db.selectFrom('incidents').select('status').where('id', '=', incidentId).executeTakeFirst();
  if (incident?.status === 'resolved') return log.info('incident resolved; no new proposal');
  const alert = await firstAlertOfIncident(ctx.db, incidentId);
  if (!alert) return log.warn('incident has no alerts; nothing to diagnose');
  const policy = ctx.policy.current;
  const env = resolveEnvironment(policy, alert);
  if (!env) {
    log.warn({ labels: alert.labels }, 'alert matches no environment in policy; no proposal');
    return auditOnly(ctx, incidentId, 'incident.unrouted', { reason: 'no environment in policy matches the alert labels', labels: alert.labels });
  }
  const rule = matchRule(policy, alert);
  if (!rule) {
    log.info({ alertname: alert.name }, 'no policy rule for this alert; no proposal');
    return auditOnly(ctx, incidentId, 'incident.no-rule', { alertname: alert.name, environment: env.name });
  }
  const diagnosis = await runDiagnosis({ ...ctx.aws, history: alertHistory(ctx.db) }, diagnoseRequestFor(policy, env, rule, alert));
  const candidate = diagnosis.candidate;
  const facts = candidate
    ? { environment: env.name, action: candidate.action, target: candidate.target, params: candidate.params, observed: candidate.observed, confidence: diagnosis.confidence }
    : null;
  // A new incident on a target the bot fixed moments ago: the fix did not hold. Checked before the
  // decision, so this very proposal is already demoted (src/breakers/checks.ts).
  await checkRecurrence(ctx, { incidentId, environment: env.name, target: candidate?.target ?? alert.labels.autoscaling_group ?? null, alertName: alert.name });
  const { decision, blocked } = facts ? await decisionForNewProposal(ctx.db, policy, facts, ctx.now()) : { decision: null, blocked: [] };
  const requirement: Requirement = decision?.ok ? decision.requirement : 'advisory';
  const snapshot = buildSnapshot({ takenAt: ctx.now(), incidentId, alert, env, rule: rule.name, diagnosis, decision, blocked, actionDecl: candidate ? ownValue(policy.actions, candidate.action) : undefined, dryRun: candidate ? dryRunNow(policy, env.name, candidate.action) : false });

  const evidenceHash = hashOf(snapshot);
  const proposalId = await ctx.db.transaction().execute(async (trx) => {
    const evidence = await trx
      .insertInto('evidence')
      .values({ incident_id: incidentId, hash: evidenceHash, snapshot: canonicalJson(snapshot) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const action = candidate?.action ?? 'none';
    const target = candidate?.target ?? alert.labels.autoscaling_group ?? alert.name;
    const params = candidate?.params ?? {};
    const hash = proposalHash({ action, params, target, environment: env.name, evidenceId: evidence.id });
    const inserted = await trx
      .insertInto('proposals')
      .values({
        incident_id: incidentId,
        evidence_id: evidence.id,
        action,
        target,
        environment: env.name,
        params: JSON.stringify(params),
        hash,
        requirement,
        approvers: JSON.stringify(snapshot.policy.approvers),
        state: requirement === 'advisory' ? 'advisory' : requirement === 'auto' ? 'approved' : 'pending',
        ...(requirement === 'auto' ? { decided_by: AUTO_APPROVER, decided_at: ctx.now() } : {}),
      })
      .onConflict((oc) => oc.column('incident_id').where('state', '<>', 'superseded').doNothing())
      .returning('id')
      .executeTakeFirst();
    // Another worker got here first; roll back our evidence copy and let theirs stand.
    if (!inserted) throw new AlreadyProposed();
    await appendAudit(trx, { actor: 'system', kind: 'evidence.frozen', subject: `evidence:${evidence.id}`, payload: { incidentId, hash: evidenceHash } });
    await appendAudit(trx, {
      actor: 'system',
      kind: 'proposal.created',
      subject: `proposal:${inserted.id}`,
      payload: { incidentId, evidenceId: evidence.id, action, target, params, environment: env.name, requirement, approvers: snapshot.policy.approvers, hash, confidence: diagnosis.confidence },
    });
    // The policy (matrix cell `auto`, auto tier not paused) approved it: execute without a click.
    if (requirement === 'auto') {
      await appendAudit(trx, { actor: AUTO_APPROVER, kind: 'proposal.approved', subject: `proposal:${inserted.id}`, payload: { hash, action, target, params, trace: snapshot.policy.trace } });
      await ctx.jobs.enqueueExecution(trx, inserted.id);
    }
    return inserted.id;
  }).catch((err: unknown) => {
    if (err instanceof AlreadyProposed) return null;
    throw err;
  });
  if (!proposalId) return;
  log.info({ proposalId, requirement }, 'proposal created');
  await postAndStartClock(ctx, proposalId);
}

/**
 * Posts the channel card, the DM cards of a two-person proposal, then starts the approval clock
 * (it runs from the cards being up). Each step skips what is done, so a retry completes the rest.
 */
async function postAndStartClock(ctx: AppContext, proposalId: string): Promise<void> {
  const before = await ctx.db.selectFrom('proposals').select(['slack_ts', 'state', 'requirement']).where('id', '=', proposalId).executeTakeFirstOrThrow();
  if (!before.slack_ts) await postProposalCard(ctx, proposalId);
  if (before.state === 'pending' && before.requirement === 'two') await postApprovalDms(ctx, proposalId);
  await escalateIfRecommended(ctx, proposalId);
  await startApprovalClock(ctx, proposalId);
}

class AlreadyProposed extends Error {}

