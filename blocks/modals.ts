// The dialogs a decision can open: typing the target's name to approve (so nobody approves the
// wrong thing by reflex), and an optional reason to reject. Pure builders; the listener opens them
// with the click's trigger_id and judges the submission on the server like any click.
import type { InputBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import { safeLine, safeText } from './escape.ts';
import { plain, section } from './kit.ts';
import { LIMITS } from './limits.ts';

export const APPROVE_CONFIRM_CALLBACK_ID = 'proposal.approve.confirm';
export const REJECT_REASON_CALLBACK_ID = 'proposal.reject.reason';
export const CONFIRM_TARGET_BLOCK_ID = 'confirm_target';
export const REJECT_REASON_BLOCK_ID = 'reason';
/** The action_id of the text input in every block above. */
export const MODAL_INPUT_ACTION_ID = 'value';
export const REJECT_REASON_MAX = 500;

/**
 * What a modal carries back in `private_metadata`: the proposal, and the message the click came
 * from ('' when the payload did not say) so the listener can update that card and time the
 * decision. Bounded so the JSON always fits Slack's 3000 chars.
 */
export const ModalMetadata = z.object({
  proposalId: z.string().min(1).max(200),
  channelId: z.string().max(50),
  shownTs: z.string().max(50),
});
export type ModalMetadata = z.infer<typeof ModalMetadata>;

/** The metadata of a submitted view, or null when it is missing or not ours (never trust it blindly). */
export function parseModalMetadata(raw: unknown): ModalMetadata | null {
  if (typeof raw !== 'string') return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ModalMetadata.safeParse(json);
  return parsed.success ? parsed.data : null;
}

// The schema's bounds keep the JSON far below 3000 chars. Parsing throws on ids that are not
// ids: a programming error, better loud here than a modal Slack refuses to open.
const metadata = (m: ModalMetadata): string => JSON.stringify(ModalMetadata.parse(m));

export interface ApproveConfirmInput extends ModalMetadata {
  action: string;
  target: string;
  environment: string;
}

/** "Type the target's name to approve": restates what runs where, escaped. */
export function approveConfirmModal(input: ApproveConfirmInput): ModalView {
  const what = `You are approving \`${safeLine(input.action, 100)}\` on *${safeLine(input.target, 300)}* in *${safeLine(input.environment, 100)}*.`;
  const how = 'It runs only once every required approval is in and the policy still allows it when it starts.';
  const confirm: InputBlock = {
    type: 'input',
    block_id: CONFIRM_TARGET_BLOCK_ID,
    label: plain("Type the target's name to approve"),
    // The hint shows the name as it must be typed; escaped like all outside text Slack displays.
    hint: plain(`Type exactly: ${safeText(input.target, LIMITS.inputHint - 20)}`),
    element: { type: 'plain_text_input', action_id: MODAL_INPUT_ACTION_ID, max_length: LIMITS.inputValue },
  };
  return {
    type: 'modal',
    callback_id: APPROVE_CONFIRM_CALLBACK_ID,
    title: plain('Approve change'),
    submit: plain('Approve'),
    close: plain('Cancel'),
    private_metadata: metadata({ proposalId: input.proposalId, channelId: input.channelId, shownTs: input.shownTs }),
    blocks: [section('approve.summary', `${what}\n${how}`), confirm],
  };
}

/** Does what the person typed name the target? Exact, except for surrounding whitespace. */
export function confirmsTarget(typed: string | null | undefined, target: string): boolean {
  return typeof typed === 'string' && typed.trim() === target.trim() && target.trim() !== '';
}

/** Reject with an optional reason (shown on the card and kept in the audit log). */
export function rejectReasonModal(input: ModalMetadata): ModalView {
  const reason: InputBlock = {
    type: 'input',
    block_id: REJECT_REASON_BLOCK_ID,
    optional: true,
    label: plain('Reason (optional)'),
    hint: plain(`Up to ${REJECT_REASON_MAX} characters. Shown on the card and kept in the audit log.`),
    element: {
      type: 'plain_text_input',
      action_id: MODAL_INPUT_ACTION_ID,
      multiline: true,
      max_length: REJECT_REASON_MAX,
      placeholder: plain('e.g. traffic is already falling; scaling would not help'),
    },
  };
  return {
    type: 'modal',
    callback_id: REJECT_REASON_CALLBACK_ID,
    title: plain('Reject change'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    private_metadata: metadata(input),
    blocks: [section('reject.summary', 'Rejecting ends this proposal: nothing will run.'), reason],
  };
}

/** The submitted text of one of our inputs, from `view.state.values`; null when empty or absent. */
export function submittedText(values: unknown, blockId: string, actionId: string = MODAL_INPUT_ACTION_ID): string | null {
  const value = (values as Record<string, Record<string, { value?: unknown } | undefined> | undefined> | null | undefined)?.[blockId]?.[actionId]?.value;
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}
