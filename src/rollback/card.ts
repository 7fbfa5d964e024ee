import type { RollbackOffer } from '../../blocks/proposal.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';
import { executionOf, rollbackOf } from './repo.ts';

/** What a card shows about undoing its change: from the executions row and the rollback proposal, never from Slack. */
export async function rollbackOffer(db: DbOrTrx, row: Pick<ProposalRow, 'id' | 'state' | 'rollback_of'>): Promise<RollbackOffer> {
  const execution = row.state === 'succeeded' ? await executionOf(db, row.id) : undefined;
  const requested = await rollbackOf(db, row.id);
  return { available: execution?.status === 'succeeded' && execution.rollback !== null, requested: requested ?? null, of: row.rollback_of };
}
