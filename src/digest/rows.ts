// The plain rows the weekly digest is computed from. The store adapter (read-rows.ts) fills them
// from Postgres; tests build them by hand. Nothing here knows about SQL or Slack.
import type { RiskLevel } from '../domain/diagnosis.ts';
import type { FeedbackVerdict } from '../domain/feedback.ts';

export interface DigestProposalRow {
  id: string;
  incidentId: string;
  action: string;
  target: string;
  environment: string;
  requirement: string;
  state: string;
  createdAt: Date;
  /** When its card was posted (null: never posted, e.g. refused before posting). */
  postedAt: Date | null;
  decidedAt: Date | null;
  /** A Slack user id, or `policy:…` when the policy decided on its own. */
  decidedBy: string | null;
  /** Set on a rollback proposal: the proposal it undoes. */
  rollbackOf: string | null;
  /** When it was escalated: a person clicked Escalate, or the diagnosis recommended it and the bot called the group in. */
  escalatedAt: Date | null;
  /** The diagnosis's risk from the frozen evidence (null: older snapshot without one). */
  risk: RiskLevel | null;
  slackChannel: string | null;
  slackTs: string | null;
}

export interface DigestExecutionRow {
  proposalId: string;
  status: 'running' | 'succeeded' | 'failed' | 'refused';
  dryRun: boolean;
}

export interface DigestVerificationRow {
  proposalId: string;
  verdict: 'passed' | 'failed' | 'unavailable';
  decision: 'confirmed' | 'not-fixed' | null;
}

export interface DigestDemotionRow {
  action: string;
  environment: string;
  level: number;
}

export interface DigestIncidentRow {
  id: string;
  /** The earliest `starts_at` of its alerts. */
  firstAlertAt: Date | null;
  /** The first card posted for it (earliest proposal posted_at). */
  cardPostedAt: Date | null;
  resolvedAt: Date | null;
}

export interface DigestAlertCount {
  name: string;
  count: number;
}

/** One live (not voided) approval by a person. */
export interface DigestApprovalRow {
  proposalId: string;
  slackUser: string;
  at: Date;
  /** Card shown → click, as Slack's timestamps measured it (null: unknown). */
  seenMs: number | null;
}

/** One person's latest answer to "How did the bot do?" on a proposal of the week. */
export interface DigestFeedbackRow {
  proposalId: string;
  slackUser: string;
  verdict: FeedbackVerdict;
}

export interface DigestRows {
  proposals: DigestProposalRow[];
  executions: DigestExecutionRow[];
  verifications: DigestVerificationRow[];
  demotions: DigestDemotionRow[];
  incidents: DigestIncidentRow[];
  alerts: DigestAlertCount[];
  approvals: DigestApprovalRow[];
  feedback: DigestFeedbackRow[];
}
