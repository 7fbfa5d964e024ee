import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import {
  APPROVE_CONFIRM_CALLBACK_ID, CONFIRM_TARGET_BLOCK_ID, parseModalMetadata, REJECT_REASON_BLOCK_ID, REJECT_REASON_CALLBACK_ID, submittedText,
} from '../../../blocks/modals.ts';
import { decideProposal, type ClickInput } from '../../approvals/decide.ts';
import type { Decision } from '../../approvals/state-machine.ts';
import type { AppContext } from '../../context.ts';
import { updateProposalCard } from '../notifier.ts';
import { seenMs } from './click-payload.ts';
import { failedClick } from './proposal-buttons.ts';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const Submission = z.object({
  user: z.object({ id: z.string().min(1) }),
  view: z.object({ private_metadata: z.string().max(3000), state: z.object({ values: z.unknown() }) }),
});

// Slack shows an input block's error under the field; long reasons are cut to stay readable.
const MAX_ERROR = 300;

/** The submitted modal decides: a typed target for a two-person approval, a reason for a rejection. */
function onSubmit(ctx: AppContext, decision: Decision, blockId: string) {
  return async ({ ack, body, context }: ViewArgs) => {
    const parsed = Submission.safeParse(body);
    const meta = parsed.success ? parseModalMetadata(parsed.data.view.private_metadata) : null;
    if (!parsed.success || !meta) {
      ctx.log.warn('malformed view_submission ignored');
      return ack({ response_action: 'errors', errors: { [blockId]: 'This dialog could not be read; close it and click the button again.' } });
    }
    const typed = submittedText(parsed.data.view.state.values, blockId) ?? '';
    const click: ClickInput = {
      proposalId: meta.proposalId,
      userId: parsed.data.user.id,
      actionId: decision === 'approve' ? 'proposal.approve' : 'proposal.reject',
      decision,
      retryNum: context.retryNum ?? null,
      channelId: meta.channelId || null,
      seenMs: seenMs(meta.shownTs, Date.now()),
      stage: 'dialog',
      ...(decision === 'approve' ? { typedTarget: typed } : typed.trim() ? { reason: typed.trim() } : {}),
    };
    const outcome = await decideProposal(ctx, click).catch((err: unknown) => failedClick(ctx, click, err));
    if (!outcome.allowed) return ack({ response_action: 'errors', errors: { [blockId]: `Not done: ${outcome.reason}`.slice(0, MAX_ERROR) } });
    await ack();
    await updateProposalCard(ctx, meta.proposalId);
  };
}

export function registerProposalDialogs(app: App, ctx: AppContext): void {
  app.view(APPROVE_CONFIRM_CALLBACK_ID, onSubmit(ctx, 'approve', CONFIRM_TARGET_BLOCK_ID));
  app.view(REJECT_REASON_CALLBACK_ID, onSubmit(ctx, 'reject', REJECT_REASON_BLOCK_ID));
}
