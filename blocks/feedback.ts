// "How did the bot do?" on a proposal's channel card once its incident has resolved: three answers
// and the count so far. Pure. The buttons are presentation only; every click is re-authorised on
// the server (src/feedback/answer.ts), which also refuses a click the card would not have offered.
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { FeedbackTally, FeedbackVerdict } from '../src/domain/feedback.ts';
import { context, plain } from './kit.ts';

/** Action ids are `feedback.<verdict>`; the listener routes on the prefix and checks the rest. */
export const FEEDBACK_ACTION_PREFIX = 'feedback.';
export const FEEDBACK_BLOCK_ID = 'proposal.feedback';

export const verdictWords: Record<FeedbackVerdict, string> = {
  right: 'right call',
  wrong: 'wrong call',
  should_escalate: 'should have escalated',
};

const LABELS: Record<FeedbackVerdict, string> = { right: 'Right call', wrong: 'Wrong call', should_escalate: 'Should have escalated' };

export const feedbackActionId = (verdict: FeedbackVerdict): string => `${FEEDBACK_ACTION_PREFIX}${verdict}`;

/** e.g. '2 right call · 1 should have escalated'; 'no answers yet' when nobody has answered. */
export function tallyLine(t: FeedbackTally): string {
  const parts: [number, FeedbackVerdict][] = [[t.right, 'right'], [t.wrong, 'wrong'], [t.shouldEscalate, 'should_escalate']];
  const shown = parts.filter(([n]) => n > 0).map(([n, v]) => `${n} ${verdictWords[v]}`);
  return shown.length > 0 ? shown.join(' · ') : 'no answers yet';
}

/**
 * Three blocks (a question, the buttons, the tally) when `tally` is given — the caller passes one
 * only once the incident has resolved and the outcome is known — and none otherwise. The channel
 * card only: a two-person DM card is one approver's request, not the place for the team's verdict.
 */
export function feedbackBlocks(proposalId: string, tally: FeedbackTally | null | undefined, audience: 'channel' | 'dm' = 'channel'): KnownBlock[] {
  if (!tally || audience === 'dm') return [];
  const button = (v: FeedbackVerdict): Button => ({ type: 'button', action_id: feedbackActionId(v), text: plain(LABELS[v]), value: proposalId });
  const actions: ActionsBlock = { type: 'actions', block_id: FEEDBACK_BLOCK_ID, elements: [button('right'), button('wrong'), button('should_escalate')] };
  return [
    context(`${FEEDBACK_BLOCK_ID}.ask`, ['*How did the bot do?* The incident has resolved: your answer is recorded under your name, feeds the weekly digest, and can be changed any time.']),
    actions,
    context(`${FEEDBACK_BLOCK_ID}.tally`, [`So far: ${tallyLine(tally)}`]),
  ];
}
