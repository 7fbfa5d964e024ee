// An execution whose process died during the executor call: the proposal is still `executing`
// and its executions row `running` when the queue retries the job. Running it again could apply
// the change twice; dropping it would leave the card saying "executing" for ever. So the outcome
// is recorded as unknown — failed, with what a re-read of the target shows — and never re-run.
import type { AppContext } from '../context.ts';
import { ownValue } from '../policy/matchers.ts';
import { appendAudit } from '../store/audit.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ExecutorDeps } from './executor.ts';
import { executorRegistry } from './registry.ts';

/** The run may still be in flight: look again at `recheckAt`, when it cannot be any more. */
export class StillRunning extends Error {
  recheckAt: Date;
  constructor(message: string, recheckAt: Date) {
    super(message);
    this.recheckAt = recheckAt;
  }
}

function executorOf(ctx: AppContext, action: string) {
  const decl = ownValue(ctx.policy.current.actions, action);
  const executor = decl ? executorRegistry.get(decl.executor) : undefined;
  return decl && executor ? { decl, executor } : null;
}

async function reread(ctx: AppContext, action: string, target: string, deps: ExecutorDeps): Promise<string> {
  const found = executorOf(ctx, action);
  if (!found) return 'the target could not be re-read (its action is no longer whitelisted)';
  return found.executor.inspect(deps, { target, decl: found.decl }).catch((err: unknown) => `the target could not be re-read (${(err as Error).message})`);
}

/**
 * Returns true when it resolved an interrupted execution. Throws StillRunning while the run may
 * still be in flight elsewhere (younger than the executor timeout), so the queue asks again later.
 */
export async function resolveInterrupted(ctx: AppContext, proposalId: string, deps: ExecutorDeps): Promise<boolean> {
  const row = await ctx.db.selectFrom('executions').select(['action', 'target', 'status', 'started_at']).where('proposal_id', '=', proposalId).executeTakeFirst();
  const p = await ctx.db.selectFrom('proposals').select('state').where('id', '=', proposalId).executeTakeFirst();
  if (!row || row.status !== 'running' || p?.state !== 'executing') return false;
  // A run that waits (replace-instance's launch) may legitimately last longer than one call.
  const runLimit = executorOf(ctx, row.action)?.executor.runLimitMs?.(deps) ?? deps.timeoutMs;
  const startedMs = new Date(row.started_at).getTime();
  if (ctx.now().getTime() - startedMs < runLimit) throw new StillRunning(`execution of ${proposalId} may still be running`, new Date(startedMs + runLimit + 1000));
  const found = await reread(ctx, row.action, row.target, deps);
  const reason = `outcome unknown: the bot stopped while the change was being made; ${found}`;
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await getProposalForUpdate(trx, proposalId);
    if (locked?.state !== 'executing') return false;
    await trx.updateTable('executions').set({ status: 'failed', error: reason, finished_at: ctx.now() }).where('proposal_id', '=', proposalId).where('status', '=', 'running').execute();
    await transitionProposal(trx, proposalId, 'executing', 'failed', { outcome: `Failed: ${reason}` });
    await appendAudit(trx, { actor: 'system', kind: 'execution.interrupted', subject: `proposal:${proposalId}`, payload: { reason } });
    return true;
  });
}
