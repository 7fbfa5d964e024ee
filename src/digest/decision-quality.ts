// Decision quality from the people's answers to "How did the bot do?" (blocks/feedback.ts): how
// the answers split, and the escalations that were not needed or were missing. Pure.
import type { DigestFeedbackRow, DigestProposalRow } from './rows.ts';

export interface DecisionQuality {
  /** Every person's latest answer, counted once per person and proposal. */
  answers: { right: number; wrong: number; shouldEscalate: number };
  /** Proposals that got at least one answer. */
  proposalsWithFeedback: number;
  /** Escalated proposals (escalated_at set) that at least one person called a wrong call. */
  falsePositiveEscalations: number;
  /** Proposals not escalated that at least one person said should have been. */
  missedEscalations: number;
}

export type FeedbackReviewReason = 'false-positive escalation' | 'missed escalation' | 'wrong call';

export interface DecisionQualityResult {
  figures: DecisionQuality;
  /** Why each proposal is worth a look, by proposal id (only those with a reason). */
  reasons: Map<string, FeedbackReviewReason[]>;
}

export function decisionQuality(proposals: readonly DigestProposalRow[], feedback: readonly DigestFeedbackRow[]): DecisionQualityResult {
  const byId = new Map(proposals.map((p) => [p.id, p]));
  const answers = { right: 0, wrong: 0, shouldEscalate: 0 };
  const answered = new Set<string>();
  const calledWrong = new Set<string>();
  const wantedEscalation = new Set<string>();
  for (const f of feedback) {
    // Answers on proposals outside the week's are not this week's figures.
    if (!byId.has(f.proposalId)) continue;
    answered.add(f.proposalId);
    if (f.verdict === 'right') answers.right += 1;
    else if (f.verdict === 'wrong') {
      answers.wrong += 1;
      calledWrong.add(f.proposalId);
    } else {
      answers.shouldEscalate += 1;
      wantedEscalation.add(f.proposalId);
    }
  }
  const reasons = new Map<string, FeedbackReviewReason[]>();
  let falsePositive = 0;
  let missed = 0;
  for (const id of answered) {
    const escalated = (byId.get(id)?.escalatedAt ?? null) !== null;
    const list: FeedbackReviewReason[] = [];
    if (escalated && calledWrong.has(id)) {
      falsePositive += 1;
      list.push('false-positive escalation');
    }
    if (!escalated && calledWrong.has(id)) list.push('wrong call');
    if (!escalated && wantedEscalation.has(id)) {
      missed += 1;
      list.push('missed escalation');
    }
    if (list.length > 0) reasons.set(id, list);
  }
  return {
    figures: { answers, proposalsWithFeedback: answered.size, falsePositiveEscalations: falsePositive, missedEscalations: missed },
    reasons,
  };
}
