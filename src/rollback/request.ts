// The Rollback button on a succeeded proposal's card. Authorised on the server like an approval
// of the original action (its approvers or the admins, read now), recorded as a click either way,
// and at most one rollback per execution: the original's row lock serialises double clicks and
// Slack retries, and the later ones are refused with the reason.
import { ROLLBACK_BUTTON_ACTION_ID } from '../../blocks/proposal.ts';
import { checkEligibility } from '../approvals/eligibility.ts';
import type { AppContext } from '../context.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';
import { undoApprovers } from './approvers.ts';
import { createRollbackInTrx } from './create.ts';

export const ROLLBACK_ACTION_ID = ROLLBACK_BUTTON_ACTION_ID;

export interface RollbackClick {
  proposalId: string;
  userId: string;
  retryNum: number | null;
  seenMs?: number | null;
}

export type RollbackOutcome = { allowed: true; rollbackId: string; state: string; requirement: string } | { allowed: false; reason: string };

export async function requestRollback(ctx: AppContext, click: RollbackClick): Promise<RollbackOutcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const original = await getProposalForUpdate(trx, click.proposalId);
    const record = (allowed: boolean, reason: string) =>
      recordClick(trx, { proposalId: original?.id ?? null, userId: click.userId, actionId: ROLLBACK_ACTION_ID, allowed, reason, retryNum: click.retryNum, seenMs: click.seenMs ?? null });
    const deny = async (reason: string): Promise<RollbackOutcome> => {
      await record(false, reason);
      return { allowed: false, reason };
    };
    if (!original) return deny(`unknown proposal '${click.proposalId.slice(0, 64)}'`);
    const eligibility = await checkEligibility(ctx.usergroups, click.userId, undoApprovers(ctx.policy.current, original.action));
    if (!eligibility.ok) return deny(eligibility.reason);
    const created = await createRollbackInTrx(ctx, trx, original, click.userId, `${click.userId} pressed Rollback on the card`);
    if (created.kind === 'refused') return deny(created.reason);
    await record(true, `rollback requested: proposal ${created.proposalId} (${created.requirement})`);
    return { allowed: true, rollbackId: created.proposalId, state: created.state, requirement: created.requirement };
  });
}
