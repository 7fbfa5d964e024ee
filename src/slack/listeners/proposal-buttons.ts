import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { decideProposal } from '../../approvals/decide.ts';
import type { Decision } from '../../approvals/state-machine.ts';
import type { AppContext } from '../../context.ts';
import { updateProposalCard } from '../notifier.ts';

// Only the fields we rely on; anything else in Slack's payload is ignored, a missing one is refused.
const ButtonClick = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(200) })).min(1),
});

export function registerProposalButtons(app: App, ctx: AppContext): void {
  const handle = (decision: Decision) => async ({ ack, body, context, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs) => {
    await ack();
    const parsed = ButtonClick.safeParse(body);
    if (!parsed.success) return ctx.log.warn({ issues: parsed.error.issues }, 'malformed block_actions payload ignored');
    const { user, channel, actions } = parsed.data;
    const action = actions[0]!;
    const outcome = await decideProposal(ctx, { proposalId: action.value, userId: user.id, actionId: action.action_id, decision, retryNum: context.retryNum ?? null });
    if (!outcome.allowed) {
      if (channel) await client.chat.postEphemeral({ channel: channel.id, user: user.id, text: `:no_entry: Not done: ${outcome.reason}` });
      return;
    }
    await updateProposalCard(ctx, action.value);
  };
  app.action('proposal.approve', handle('approve'));
  app.action('proposal.reject', handle('reject'));
}
