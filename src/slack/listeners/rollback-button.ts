import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppContext } from '../../context.ts';
import { postRollback } from '../../rollback/post.ts';
import { requestRollback, ROLLBACK_ACTION_ID, type RollbackOutcome } from '../../rollback/request.ts';
import { ButtonClick, seenMs } from './click-payload.ts';
import { failedClick } from './proposal-buttons.ts';
import { tellRefusal } from './tell-refusal.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Rollback on a succeeded proposal's card: ack, parse, authorise and create on the server, then post. */
export function registerRollbackButton(app: App, ctx: AppContext): void {
  app.action(ROLLBACK_ACTION_ID, async (args: ActionArgs) => {
    await args.ack();
    const parsed = ButtonClick.safeParse(args.body);
    if (!parsed.success) return ctx.log.warn({ issues: parsed.error.issues }, 'malformed block_actions payload ignored');
    const { user, actions, container } = parsed.data;
    const action = actions[0]!;
    const click = { proposalId: action.value, userId: user.id, retryNum: args.context.retryNum ?? null, seenMs: seenMs(container?.message_ts, action.action_ts) };
    const outcome: RollbackOutcome = await requestRollback(ctx, click).catch((err: unknown) => failedClick(ctx, { ...click, actionId: ROLLBACK_ACTION_ID }, err));
    if (!outcome.allowed) return tellRefusal(args, parsed.data.channel?.id ?? container?.channel_id, user.id, outcome.reason);
    await postRollback(ctx, outcome.rollbackId, action.value).catch((err: unknown) => ctx.log.error({ err, proposalId: action.value }, 'could not post the rollback card'));
  });
}
