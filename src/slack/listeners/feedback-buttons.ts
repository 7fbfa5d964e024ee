import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { FEEDBACK_ACTION_PREFIX } from '../../../blocks/feedback.ts';
import type { AppContext } from '../../context.ts';
import { answerFeedback, recordedText, type FeedbackClick, type FeedbackOutcome } from '../../feedback/answer.ts';
import { updateProposalCard } from '../notifier.ts';
import { ackButtonPress } from './click-payload.ts';
import { failedClick } from './proposal-buttons.ts';
import { tellRefusal } from './tell-refusal.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ESCAPED_PREFIX = FEEDBACK_ACTION_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Right call / Wrong call / Should have escalated: ack, parse, decide on the server, tell the person
 * what stands, then re-render the card's tally. Routed on the action id's prefix so a crafted
 * unknown answer reaches the server check (and is recorded as refused) rather than vanishing.
 */
export function registerFeedbackButtons(app: App, ctx: AppContext): void {
  app.action(new RegExp(`^${ESCAPED_PREFIX}`), async (args: ActionArgs) => {
    const press = await ackButtonPress(args, ctx.log);
    if (!press) return;
    const { channel } = press;
    const click: FeedbackClick = {
      proposalId: press.value, userId: press.userId, actionId: press.actionId, verdict: press.actionId.slice(FEEDBACK_ACTION_PREFIX.length), retryNum: press.retryNum, seenMs: press.seenMs,
    };
    const outcome: FeedbackOutcome = await answerFeedback(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) return tellRefusal(args, channel, press.userId, outcome.reason);
    // An answer to a click: no pacing needed (only background writes share a channel's slot).
    if (channel) await args.client.chat.postEphemeral({ channel, user: press.userId, text: recordedText(outcome.verdict) }).catch((err: unknown) => ctx.log.warn({ err }, 'could not confirm the feedback'));
    // The card's tally goes through the pacer like every card update.
    if (outcome.write.kind !== 'unchanged') await updateProposalCard(ctx, outcome.proposalId).catch((err: unknown) => ctx.log.error({ err, proposalId: outcome.proposalId }, 'feedback: could not update the card'));
  });
}
