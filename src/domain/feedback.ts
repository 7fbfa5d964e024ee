// Feedback on the bot's calls: after an incident resolves, people say whether the proposal was
// the right call. Shared by the card (blocks/feedback.ts), the server check of a click
// (src/feedback/answer.ts) and the digest (src/digest/decision-quality.ts).

export const feedbackVerdicts = ['right', 'wrong', 'should_escalate'] as const;
export type FeedbackVerdict = (typeof feedbackVerdicts)[number];

export const isFeedbackVerdict = (v: string): v is FeedbackVerdict => (feedbackVerdicts as readonly string[]).includes(v);

/** Answers so far on one proposal, one per person (their latest). */
export interface FeedbackTally {
  right: number;
  wrong: number;
  shouldEscalate: number;
}

// While a change may still be approved or is running, its outcome is not known: judging the call
// then is premature (and a card with Approve and "Right call" side by side reads as a mistake).
const UNSETTLED = new Set(['pending', 'approved', 'executing']);

/**
 * Why feedback cannot be given on this proposal now (null: it can). The same test hides the
 * buttons on the card and refuses a crafted click on the server.
 */
export function feedbackClosed(incidentStatus: string | null | undefined, proposalState: string): string | null {
  if (incidentStatus !== 'resolved') return 'the incident of this proposal has not resolved yet; feedback opens once it has';
  if (UNSETTLED.has(proposalState)) return `this proposal is still ${proposalState}; feedback opens once its outcome is known`;
  return null;
}
