import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { escapeMrkdwn } from '../../../blocks/escape.ts';
import { decideProposal, type ClickInput, type ClickOutcome } from '../../approvals/decide.ts';
import { recordClick } from '../../store/repos/clicks.ts';
import type { Decision } from '../../approvals/state-machine.ts';
import type { AppContext } from '../../context.ts';
import { updateProposalCard } from '../notifier.ts';

// Only the fields we rely on; anything else in Slack's payload is ignored, a missing one is refused.
const ButtonClick = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(200) })).min(1),
});

/**
 * The decision could not be made (the database failed mid-way): nothing changed, the person is
 * told, and the click is still recorded as denied when the database lets us.
 */
async function failedClick(ctx: AppContext, click: ClickInput, err: unknown): Promise<ClickOutcome> {
  ctx.log.error({ err, proposalId: click.proposalId, user: click.userId }, 'click could not be decided');
  const reason = 'the bot could not check this click against its policy and state right now; nothing was done, try again shortly';
  await ctx.db
    .transaction()
    .execute((trx) => recordClick(trx, { proposalId: null, userId: click.userId, actionId: click.actionId, allowed: false, reason, retryNum: click.retryNum }))
    .catch((recordErr: unknown) => ctx.log.error({ err: recordErr }, 'could not record the failed click either'));
  return { allowed: false, reason };
}

export function registerProposalButtons(app: App, ctx: AppContext): void {
  const handle = (decision: Decision) => async ({ ack, body, context, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => {
    await ack();
    const parsed = ButtonClick.safeParse(body);
    if (!parsed.success) return ctx.log.warn({ issues: parsed.error.issues }, 'malformed block_actions payload ignored');
    const { user, channel, actions } = parsed.data;
    const action = actions[0]!;
    const click = { proposalId: action.value, userId: user.id, actionId: action.action_id, decision, retryNum: context.retryNum ?? null };
    const outcome = await decideProposal(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) {
      // Reasons carry text from outside (pause reasons, ids): escaped like any untrusted text.
      if (channel) await client.chat.postEphemeral({ channel: channel.id, user: user.id, text: `:no_entry: Not done: ${escapeMrkdwn(outcome.reason)}` });
      return;
    }
    await updateProposalCard(ctx, action.value);
  };
  app.action('proposal.approve', handle('approve'));
  app.action('proposal.reject', handle('reject'));
}
