// `/infra-agent simulate <alertname> [label=value …]`: routes a synthetic alert, runs the real
// diagnosis (AWS is read, as for a real alert) and the policy decision under the state of the
// world now, and renders the card it would post. Stores, posts and executes nothing: no
// incident, evidence or proposal row, no recurrence check (that one demotes), no job.
import type { KnownBlock } from '@slack/types';
import { simulatedCard, simulationNoCard } from '../../../blocks/command-simulate.ts';
import { dryRunNow } from '../../actions/dry-run.ts';
import { buildSnapshot } from '../../approvals/evidence-snapshot.ts';
import { approverOrAdmin } from '../../approvals/approver-or-admin.ts';
import { escalationMentions } from '../../approvals/escalate.ts';
import { decisionForNewProposal } from '../../approvals/policy-now.ts';
import type { AppContext } from '../../context.ts';
import { runDiagnosis } from '../../diagnosis/engine.ts';
import { diagnoseRequestFor } from '../../diagnosis/request.ts';
import type { NormalizedAlert } from '../../domain/alert.ts';
import type { ProposalState, Requirement } from '../../domain/proposal.ts';
import { matchRule, resolveEnvironment } from '../../policy/evaluator.ts';
import { ownValue } from '../../policy/matchers.ts';
import { alertHistory } from '../../store/repos/alert-history.ts';

export const SIMULATED_ID = 'simulation';

export type Simulated =
  | { kind: 'refused'; reason: string }
  | { kind: 'no-card'; text: string; why: string }
  | { kind: 'card'; text: string; blocks: KnownBlock[]; requirement: Requirement; action: string | null; environment: string };

export function syntheticAlert(alertname: string, labels: Record<string, string>, now: Date): NormalizedAlert {
  return {
    source: 'simulation', fingerprint: SIMULATED_ID, status: 'firing', name: alertname, severity: labels['severity'] ?? null,
    labels: { ...labels, alertname }, annotations: {}, startsAt: now, endsAt: null, link: null, groupKey: SIMULATED_ID,
  };
}

/** Diagnosis reads AWS: only those who may approve something may make the bot do it on request. */
async function refusal(ctx: AppContext, userId: string): Promise<string | null> {
  const person = await approverOrAdmin(ctx, userId, 'simulate');
  return person.ok ? null : person.reason;
}

export async function simulate(ctx: AppContext, userId: string, alertname: string, labels: Record<string, string>): Promise<Simulated> {
  const refused = await refusal(ctx, userId);
  if (refused) return { kind: 'refused', reason: refused };
  const policy = ctx.policy.current;
  const now = ctx.now();
  const alert = syntheticAlert(alertname, labels, now);
  const env = resolveEnvironment(policy, alert);
  if (!env) return noCard(alertname, `no environment in the policy matches the labels ${JSON.stringify(alert.labels)} (declared: ${Object.keys(policy.environments).join(', ')})`);
  const rule = matchRule(policy, alert);
  if (!rule) return noCard(alertname, `no policy rule matches alert '${alertname}' in environment '${env.name}'`);
  const diagnosis = await runDiagnosis({ ...ctx.aws, history: alertHistory(ctx.db) }, diagnoseRequestFor(policy, env, rule, alert));
  const candidate = diagnosis.candidate;
  const facts = candidate
    ? { environment: env.name, action: candidate.action, target: candidate.target, params: candidate.params, observed: candidate.observed, confidence: diagnosis.confidence }
    : null;
  const { decision, blocked } = facts ? await decisionForNewProposal(ctx.db, policy, facts, now) : { decision: null, blocked: [] };
  const requirement: Requirement = decision?.ok ? decision.requirement : 'advisory';
  const actionDecl = candidate ? ownValue(policy.actions, candidate.action) : undefined;
  const ev = buildSnapshot({ takenAt: now, incidentId: SIMULATED_ID, alert, env, rule: rule.name, diagnosis, decision, blocked, actionDecl, dryRun: candidate ? dryRunNow(policy, env.name, candidate.action) : false });
  const state: ProposalState = requirement === 'advisory' ? 'advisory' : requirement === 'auto' ? 'approved' : 'pending';
  const mentions = escalationMentions(ctx);
  const card = simulatedCard({
    proposalId: SIMULATED_ID,
    environment: env.name,
    action: candidate?.action ?? 'none',
    actionDescription: ev.action?.description ?? undefined,
    target: candidate?.target ?? alert.labels['autoscaling_group'] ?? alertname,
    params: candidate?.params ?? {},
    requirement,
    approvers: ev.policy.approvers,
    freeze: ev.policy.freeze ?? null,
    blocked: ev.policy.blocked ?? [],
    dryRun: ev.policy.dryRun === true,
    escalation: { configured: mentions.length > 0, escalatedBy: null, escalatedAt: null, mentions },
    blastRadius: ev.action?.blastRadius ?? 'n/a',
    rollback: ev.action?.rollback ?? 'n/a',
    alert: { name: alertname, severity: alert.severity, summary: null, link: null },
    diagnosis,
    state,
    decidedBy: null,
    decidedAt: null,
    outcome: ev.policy.refusals.length ? `Policy: ${ev.policy.refusals.join('; ')}` : null,
  });
  return { kind: 'card', ...card, requirement, action: candidate?.action ?? null, environment: env.name };
}

function noCard(alertname: string, why: string): Simulated {
  return { kind: 'no-card', text: simulationNoCard(alertname, why), why };
}
