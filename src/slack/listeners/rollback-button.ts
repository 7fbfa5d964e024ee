import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppContext } from '../../context.ts';
import { postRollback } from '../../rollback/post.ts';
import { requestRollback, ROLLBACK_ACTION_ID, type RollbackOutcome } from '../../rollback/request.ts';
import { ackButtonPress } from './click-payload.ts';
import { failedClick } from './proposal-buttons.ts';
import { tellRefusal } from './tell-refusal.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Rollback on a succeeded proposal's card: ack, parse, authorise and create on the server, then post. */
export function registerRollbackButton(app: App, ctx: AppContext): void {
  app.action(ROLLBACK_ACTION_ID, async (args: ActionArgs) => {
    const press = await ackButtonPress(args, ctx.log);
    if (!press) return;
    const click = { proposalId: press.value, userId: press.userId, retryNum: press.retryNum, seenMs: press.seenMs };
    const outcome: RollbackOutcome = await requestRollback(ctx, click).catch((err: unknown) => failedClick(ctx, { ...click, actionId: ROLLBACK_ACTION_ID }, err));
    if (!outcome.allowed) return tellRefusal(args, press.channel, press.userId, outcome.reason);
    await postRollback(ctx, outcome.rollbackId, press.value).catch((err: unknown) => ctx.log.error({ err, proposalId: press.value }, 'could not post the rollback card'));
  });
}
