// What a question in a proposal card's thread is answered from: the proposal whose card started
// the thread, its frozen evidence, its execution, and earlier proposals on the same target.
import type { DbOrTrx } from '../db.ts';
import type { ExecutionsTable, ProposalRow } from '../tables.ts';
import { getProposalWithEvidence, type ProposalWithEvidence } from './proposals.ts';

export type CardThread = ProposalWithEvidence;

/** The proposal whose channel card is the thread's parent message; undefined for any other thread. */
export function proposalByThread(db: DbOrTrx, channel: string, threadTs: string): Promise<CardThread | undefined> {
  return getProposalWithEvidence(db, { channel, ts: threadTs });
}

export type ExecutionRow = Pick<ExecutionsTable, 'status' | 'error'> & { pre_state: unknown; rollback: unknown; started_at: Date };

export async function executionOf(db: DbOrTrx, proposalId: string): Promise<ExecutionRow | undefined> {
  return db.selectFrom('executions').select(['status', 'pre_state', 'rollback', 'error', 'started_at']).where('proposal_id', '=', proposalId).executeTakeFirst();
}

export interface PastProposalRow {
  id: string;
  action: string;
  environment: string;
  params: Record<string, unknown>;
  state: string;
  outcome: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
  incident_title: string;
}

/**
 * Earlier proposals on the same target from other incidents, newest first, at most `limit`,
 * with how many there are in all (so the answer can say "… N more").
 */
export async function targetHistory(db: DbOrTrx, p: Pick<ProposalRow, 'target' | 'incident_id' | 'created_at'>, limit: number): Promise<{ rows: PastProposalRow[]; total: number }> {
  const earlier = db
    .selectFrom('proposals')
    .where('proposals.target', '=', p.target)
    .where('proposals.incident_id', '<>', p.incident_id)
    .where('proposals.created_at', '<', p.created_at);
  const rows = await earlier
    .innerJoin('incidents', 'incidents.id', 'proposals.incident_id')
    .select(['proposals.id', 'proposals.action', 'proposals.environment', 'proposals.params', 'proposals.state', 'proposals.outcome', 'proposals.decided_by', 'proposals.decided_at', 'proposals.created_at', 'incidents.title as incident_title'])
    .orderBy('proposals.created_at', 'desc')
    .orderBy('proposals.id')
    .limit(limit)
    .execute();
  const { total } = await earlier.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  return { rows, total: Number(total) };
}
