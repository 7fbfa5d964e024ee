// Reads about rollbacks: what an execution recorded as its undo, and the proposal (at most one)
// that undoes it.
import { z } from 'zod';
import type { DbOrTrx } from '../store/db.ts';

/** The undo an executor recorded: a change through the same whitelist as any other. */
export const RollbackPlan = z.object({
  action: z.string().min(1),
  target: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
});
export type RollbackPlan = z.infer<typeof RollbackPlan>;

export interface SucceededExecution {
  id: string;
  status: string;
  rollback: RollbackPlan | null;
  postState: unknown;
  finishedAt: Date | null;
}

/** The proposal's execution as the rollback needs it; a stored rollback that does not parse counts as none. */
export async function executionOf(db: DbOrTrx, proposalId: string): Promise<SucceededExecution | undefined> {
  const row = await db.selectFrom('executions').select(['id', 'status', 'rollback', 'post_state', 'finished_at']).where('proposal_id', '=', proposalId).executeTakeFirst();
  if (!row) return undefined;
  const plan = RollbackPlan.safeParse(row.rollback);
  return { id: row.id, status: row.status, rollback: plan.success ? plan.data : null, postState: row.post_state, finishedAt: row.finished_at };
}

export interface RollbackRef {
  proposalId: string;
  state: string;
  requestedBy: string | null;
}

export async function rollbackOf(db: DbOrTrx, proposalId: string): Promise<RollbackRef | undefined> {
  const row = await db.selectFrom('proposals').select(['id', 'state', 'requested_by']).where('rollback_of', '=', proposalId).executeTakeFirst();
  return row ? { proposalId: row.id, state: row.state, requestedBy: row.requested_by } : undefined;
}

/**
 * Where a rollback's card goes: the thread of the card of the proposal it undoes (null for
 * a proposal that is not a rollback, or whose original card was never posted).
 */
export async function rollbackThread(db: DbOrTrx, proposalId: string): Promise<string | null> {
  const row = await db
    .selectFrom('proposals as r')
    .innerJoin('proposals as o', 'o.id', 'r.rollback_of')
    .select('o.slack_ts')
    .where('r.id', '=', proposalId)
    .executeTakeFirst();
  return row?.slack_ts ?? null;
}
