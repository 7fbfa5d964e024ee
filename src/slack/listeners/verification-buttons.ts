import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { CONFIRM_FIXED_ACTION_ID, NOT_FIXED_ACTION_ID } from '../../../blocks/verification.ts';
import type { AppContext } from '../../context.ts';
import { postRollback } from '../../rollback/post.ts';
import { decideVerification, type GateDecision, type GateOutcome } from '../../verification/gate.ts';
import { postVerdict } from '../../verification/post.ts';
import { ackButtonPress } from './click-payload.ts';
import { failedClick } from './proposal-buttons.ts';
import { tellRefusal } from './tell-refusal.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Confirm fixed / Not fixed — roll back on a verdict: ack, parse, decide on the server, then update Slack. */
export function registerVerificationButtons(app: App, ctx: AppContext): void {
  const gate = (decision: GateDecision) => async (args: ActionArgs) => {
    const press = await ackButtonPress(args, ctx.log);
    if (!press) return;
    const click = { verificationId: press.value, userId: press.userId, decision, actionId: press.actionId, retryNum: press.retryNum, seenMs: press.seenMs };
    const outcome: GateOutcome = await decideVerification(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) return tellRefusal(args, press.channel, press.userId, outcome.reason);
    const log = (what: string) => (err: unknown) => ctx.log.error({ err, verificationId: outcome.verificationId }, `verification gate: could not ${what}`);
    await postVerdict(ctx, outcome.verificationId).catch(log('update the verdict message'));
    if (outcome.rollback?.kind === 'created') await postRollback(ctx, outcome.rollback.proposalId, outcome.proposalId).catch(log('post the rollback card'));
  };
  app.action(CONFIRM_FIXED_ACTION_ID, gate('confirmed'));
  app.action(NOT_FIXED_ACTION_ID, gate('not-fixed'));
}
