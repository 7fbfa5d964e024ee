// Store adapter: the digest's rows for the window [from, to). Proposals, demotions, incidents and
// alerts belong to the week they were created/opened/started in; executions, verifications,
// approvals and feedback follow the week's proposals wherever in time they happened.
import { sql } from 'kysely';
import { APPROVE_ACTION_ID } from '../../blocks/proposal.ts';
import type { RiskLevel } from '../domain/diagnosis.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { DigestRows } from './rows.ts';

const RISKS = new Set<string>(['low', 'medium', 'high']);

export async function readDigestRows(db: DbOrTrx, from: Date, to: Date): Promise<DigestRows> {
  if (!(from.getTime() < to.getTime())) throw new RangeError('digest window: from must be before to');
  const proposals = await db
    .selectFrom('proposals')
    .innerJoin('evidence', 'evidence.id', 'proposals.evidence_id')
    .select([
      'proposals.id', 'proposals.incident_id', 'proposals.action', 'proposals.target', 'proposals.environment', 'proposals.requirement',
      'proposals.state', 'proposals.created_at', 'proposals.posted_at', 'proposals.decided_at', 'proposals.decided_by', 'proposals.rollback_of',
      'proposals.slack_channel', 'proposals.slack_ts', 'proposals.escalated_at',
      sql<string | null>`evidence.snapshot -> 'diagnosis' ->> 'risk'`.as('risk'),
    ])
    .where('proposals.created_at', '>=', from)
    .where('proposals.created_at', '<', to)
    .orderBy('proposals.created_at')
    .execute();
  const ids = proposals.map((p) => p.id);

  const [executions, verifications, approvals, demotions, incidents, alerts, feedback] = await Promise.all([
    ids.length === 0 ? [] : db.selectFrom('executions').select(['proposal_id', 'status', 'dry_run']).where('proposal_id', 'in', ids).execute(),
    ids.length === 0 ? [] : db.selectFrom('verifications').select(['proposal_id', 'verdict', 'decision']).where('proposal_id', 'in', ids).execute(),
    ids.length === 0
      ? []
      : db
          .selectFrom('approvals as a')
          .select((eb) => [
            'a.proposal_id', 'a.slack_user', 'a.at',
            eb
              .selectFrom('clicks as c')
              .select((c) => c.fn.min('c.seen_ms').as('seen'))
              .whereRef('c.proposal_id', '=', 'a.proposal_id')
              .whereRef('c.slack_user', '=', 'a.slack_user')
              .where('c.action_id', '=', APPROVE_ACTION_ID)
              .where('c.allowed', '=', true)
              .as('seen_ms'),
          ])
          .where('a.proposal_id', 'in', ids)
          .where('a.voided_at', 'is', null)
          .execute(),
    db.selectFrom('demotions').select(['action', 'environment', 'level']).where('created_at', '>=', from).where('created_at', '<', to).orderBy('created_at').execute(),
    db
      .selectFrom('incidents as i')
      .select((eb) => [
        'i.id', 'i.resolved_at',
        eb.selectFrom('alerts').select((a) => a.fn.min('alerts.starts_at').as('m')).whereRef('alerts.incident_id', '=', 'i.id').as('first_alert_at'),
        eb.selectFrom('proposals').select((p) => p.fn.min('proposals.posted_at').as('m')).whereRef('proposals.incident_id', '=', 'i.id').as('card_posted_at'),
      ])
      .where('i.opened_at', '>=', from)
      .where('i.opened_at', '<', to)
      .execute(),
    db
      .selectFrom('alerts')
      .select((eb) => ['name', eb.fn.countAll<string>().as('n')])
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .groupBy('name')
      .execute(),
    ids.length === 0 ? [] : db.selectFrom('feedback').select(['proposal_id', 'slack_user', 'verdict']).where('proposal_id', 'in', ids).orderBy('created_at').execute(),
  ]);

  return {
    proposals: proposals.map((p) => ({
      id: p.id, incidentId: p.incident_id, action: p.action, target: p.target, environment: p.environment, requirement: p.requirement,
      state: p.state, createdAt: p.created_at, postedAt: p.posted_at, decidedAt: p.decided_at, decidedBy: p.decided_by, rollbackOf: p.rollback_of,
      escalatedAt: p.escalated_at,
      risk: p.risk !== null && RISKS.has(p.risk) ? (p.risk as RiskLevel) : null,
      slackChannel: p.slack_channel, slackTs: p.slack_ts,
    })),
    executions: executions.map((e) => ({ proposalId: e.proposal_id, status: e.status, dryRun: e.dry_run })),
    verifications: verifications.map((v) => ({ proposalId: v.proposal_id, verdict: v.verdict, decision: v.decision })),
    demotions,
    incidents: incidents.map((i) => ({ id: i.id, resolvedAt: i.resolved_at, firstAlertAt: toDate(i.first_alert_at), cardPostedAt: toDate(i.card_posted_at) })),
    alerts: alerts.map((a) => ({ name: a.name, count: Number(a.n) })),
    approvals: approvals.map((a) => ({ proposalId: a.proposal_id, slackUser: a.slack_user, at: a.at, seenMs: a.seen_ms === null || a.seen_ms === undefined ? null : Number(a.seen_ms) })),
    feedback: feedback.map((f) => ({ proposalId: f.proposal_id, slackUser: f.slack_user, verdict: f.verdict })),
  };
}

// min() over a timestamp arrives as a Date from pg, but kysely types it loosely.
function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d;
}
