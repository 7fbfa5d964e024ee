import type { ProposalCardInput } from '../../blocks/proposal.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import type { DbOrTrx } from '../store/db.ts';

export interface CardSource {
  input: ProposalCardInput;
  channel: string;
  ts: string | null;
}

/** Everything on a card comes from the proposal row and its frozen evidence. */
export async function loadCardSource(db: DbOrTrx, proposalId: string): Promise<CardSource | undefined> {
  const row = await db
    .selectFrom('proposals')
    .innerJoin('evidence', 'evidence.id', 'proposals.evidence_id')
    .selectAll('proposals')
    .select('evidence.snapshot')
    .where('proposals.id', '=', proposalId)
    .executeTakeFirst();
  if (!row) return undefined;
  const ev = row.snapshot as EvidenceSnapshot;
  return {
    channel: row.slack_channel ?? ev.channel,
    ts: row.slack_ts,
    input: {
      proposalId: row.id,
      environment: row.environment,
      action: row.action,
      actionDescription: ev.action?.description ?? undefined,
      target: row.target,
      params: row.params,
      requirement: row.requirement as Requirement,
      approvers: row.approvers,
      freeze: ev.policy.freeze ?? null,
      blocked: ev.policy.blocked ?? [],
      blastRadius: ev.action?.blastRadius ?? 'n/a',
      rollback: ev.action?.rollback ?? 'n/a',
      alert: { name: ev.alert.name, severity: ev.alert.severity, summary: ev.alert.summary, link: ev.alert.link },
      diagnosis: ev.diagnosis,
      state: row.state as ProposalState,
      decidedBy: row.decided_by,
      decidedAt: row.decided_at,
      outcome: row.outcome ?? (ev.policy.refusals.length ? `Policy: ${ev.policy.refusals.join('; ')}` : null),
    },
  };
}
