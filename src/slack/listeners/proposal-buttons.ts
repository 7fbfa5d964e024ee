import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { tellRefusal } from './tell-refusal.ts';
import { approveConfirmModal, rejectReasonModal } from '../../../blocks/modals.ts';
import { decideProposal, type ClickInput, type ClickOutcome } from '../../approvals/decide.ts';
import { escalateProposal } from '../../approvals/escalate.ts';
import type { Decision } from '../../approvals/state-machine.ts';
import type { AppContext } from '../../context.ts';
import { recordClick } from '../../store/repos/clicks.ts';
import { postApprovalDms, updateProposalCard } from '../notifier.ts';
import { ackButtonPress } from './click-payload.ts';
import { postEscalation } from '../escalation-note.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * The decision could not be made (the database failed mid-way): nothing changed, the person is
 * told, and the click is still recorded as denied when the database lets us.
 */
export async function failedClick(ctx: AppContext, click: Pick<ClickInput, 'userId' | 'actionId' | 'retryNum'>, err: unknown): Promise<{ allowed: false; reason: string }> {
  ctx.log.error({ err, user: click.userId }, 'click could not be decided');
  const reason = 'the bot could not check this click against its policy and state right now; nothing was done, try again shortly';
  await ctx.db
    .transaction()
    .execute((trx) => recordClick(trx, { proposalId: null, userId: click.userId, actionId: click.actionId, allowed: false, reason, retryNum: click.retryNum }))
    .catch((recordErr: unknown) => ctx.log.error({ err: recordErr }, 'could not record the failed click either'));
  return { allowed: false, reason };
}

export function registerProposalButtons(app: App, ctx: AppContext): void {
  const decide = (decision: Decision) => async (args: ActionArgs) => {
    const press = await ackButtonPress(args, ctx.log);
    if (!press) return;
    const { channel, messageTs: shownTs, triggerId } = press;
    const click: ClickInput = { proposalId: press.value, userId: press.userId, actionId: press.actionId, decision, retryNum: press.retryNum, channelId: channel ?? null, seenMs: press.seenMs, stage: 'click' };
    const outcome: ClickOutcome = await decideProposal(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) {
      await tellRefusal(args, channel, press.userId, outcome.reason);
      // An eligible approver without a DM card (joined the group since, or the card failed): send it.
      if (outcome.code === 'use-dm-card') await postApprovalDms(ctx, press.value).catch((err: unknown) => ctx.log.error({ err }, 'could not send DM cards'));
      if (outcome.changed) await updateProposalCard(ctx, press.value);
      return;
    }
    if ('dialog' in outcome) {
      const meta = { proposalId: outcome.proposal.id, channelId: channel ?? '', shownTs: shownTs ?? '' };
      const view = decision === 'approve' ? approveConfirmModal({ ...meta, action: outcome.proposal.action, target: outcome.proposal.target, environment: outcome.proposal.environment }) : rejectReasonModal(meta);
      // A trigger_id lives ~3 s: if the dialog cannot open, say so rather than leave the click unanswered.
      const opened = triggerId ? await args.client.views.open({ trigger_id: triggerId, view }).then(() => true, (err: unknown) => (ctx.log.warn({ err }, 'could not open the dialog'), false)) : false;
      if (!opened) await tellRefusal(args, channel, press.userId, 'the dialog could not be opened in time; click the button again');
      return;
    }
    await updateProposalCard(ctx, press.value);
  };
  app.action('proposal.approve', decide('approve'));
  app.action('proposal.reject', decide('reject'));
  app.action('proposal.escalate', async (args: ActionArgs) => {
    const press = await ackButtonPress(args, ctx.log);
    if (!press) return;
    const input = { proposalId: press.value, userId: press.userId, retryNum: press.retryNum, seenMs: press.seenMs };
    const outcome = await escalateProposal(ctx, input).catch((err: unknown) => failedClick(ctx, { ...input, actionId: 'proposal.escalate' }, err));
    if (!outcome.allowed) return tellRefusal(args, press.channel, press.userId, outcome.reason);
    // Escalation approvers of a two-person change approve from their own DM card, like the others;
    // cards first, the note last, each on its own so one Slack error does not stop the rest.
    const log = (what: string) => (err: unknown) => ctx.log.error({ err, proposalId: press.value }, `escalation: could not ${what}`);
    if (outcome.proposal.requirement === 'two') await postApprovalDms(ctx, outcome.proposal.id).catch(log('send DM cards'));
    await updateProposalCard(ctx, press.value).catch(log('update the cards'));
    await postEscalation(ctx, outcome.proposal, press.userId, outcome.mentions).catch(log('post the escalation note'));
  });
}
