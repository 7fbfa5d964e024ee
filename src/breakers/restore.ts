// `/infra-agent restore <action> <env> <reason>`: an admin lifts a demotion. Like resume, it turns
// autonomy back on, so only admins may; a refusal is recorded like any denied click, and a lift is
// audited in the same transaction.
import type { AppContext } from '../context.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { liftDemotion } from '../store/repos/demotions.ts';

export interface RestoreRequest {
  action: string;
  environment: string;
  userId: string;
  reason: string;
}

export type RestoreOutcome = { ok: true; lifted: boolean; level: number } | { ok: false; reason: string };

const ACTION_ID = 'command.restore';

export async function restoreDemotion(ctx: AppContext, req: RestoreRequest): Promise<RestoreOutcome> {
  const admins = ctx.policy.current.admins;
  // The name is not checked against the policy: a demotion may outlive its action's declaration.
  const refusal = admins.includes(req.userId) ? null : `only an admin of the policy may lift a demotion (admins: ${admins.join(', ') || 'none'})`;
  return ctx.db.transaction().execute(async (trx) => {
    if (refusal) {
      await recordClick(trx, { proposalId: null, userId: req.userId, actionId: ACTION_ID, allowed: false, reason: refusal, retryNum: null });
      return { ok: false, reason: refusal };
    }
    const out = await liftDemotion(trx, { action: req.action, environment: req.environment, by: `slack:${req.userId}`, reason: req.reason, at: ctx.now() });
    const what = out.lifted ? `lifted the demotion of ${req.action} in ${req.environment}` : `nothing to lift for ${req.action} in ${req.environment}`;
    await recordClick(trx, { proposalId: null, userId: req.userId, actionId: ACTION_ID, allowed: true, reason: what, retryNum: null });
    ctx.log.warn({ by: req.userId, action: req.action, environment: req.environment, lifted: out.lifted, reason: req.reason }, 'demotion restore');
    return { ok: true, ...out };
  });
}
