import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { FEEDBACK_ACTION_PREFIX } from '../../../blocks/feedback.ts';
import type { AppContext } from '../../context.ts';
import { answerFeedback, recordedText, type FeedbackClick, type FeedbackOutcome } from '../../feedback/answer.ts';
import { updateProposalCard } from '../notifier.ts';
import { ButtonClick, seenMs } from './click-payload.ts';
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
    await args.ack();
    const parsed = ButtonClick.safeParse(args.body);
    if (!parsed.success) return ctx.log.warn({ issues: parsed.error.issues }, 'malformed block_actions payload ignored');
    const { user, actions, container } = parsed.data;
    const action = actions[0]!;
    const channel = parsed.data.channel?.id ?? container?.channel_id;
    const click: FeedbackClick = {
      proposalId: action.value, userId: user.id, actionId: action.action_id, verdict: action.action_id.slice(FEEDBACK_ACTION_PREFIX.length),
      retryNum: args.context.retryNum ?? null, seenMs: seenMs(container?.message_ts, action.action_ts),
    };
    const outcome: FeedbackOutcome = await answerFeedback(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) return tellRefusal(args, channel, user.id, outcome.reason);
    // An answer to a click: no pacing needed (only background writes share a channel's slot).
    if (channel) await args.client.chat.postEphemeral({ channel, user: user.id, text: recordedText(outcome.verdict) }).catch((err: unknown) => ctx.log.warn({ err }, 'could not confirm the feedback'));
    // The card's tally goes through the pacer like every card update.
    if (outcome.write.kind !== 'unchanged') await updateProposalCard(ctx, outcome.proposalId).catch((err: unknown) => ctx.log.error({ err, proposalId: outcome.proposalId }, 'feedback: could not update the card'));
  });
}
