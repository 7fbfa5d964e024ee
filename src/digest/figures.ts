// The weekly digest's figures: a pure function of plain rows, so every number can be checked by
// hand (test/unit/digest-figures.test.ts) and the store is only an adapter (read-rows.ts).
import { decisionQuality, type DecisionQuality, type FeedbackReviewReason } from './decision-quality.ts';
import type { DigestProposalRow, DigestRows } from './rows.ts';
import { meanMs, nearestRank } from './stats.ts';

/** Chart and table buckets: terminal states as they are, the in-flight ones as `open`. */
export const outcomes = ['succeeded', 'failed', 'rejected', 'advisory', 'refused', 'expired', 'cancelled', 'superseded', 'open'] as const;
export type Outcome = (typeof outcomes)[number];

export interface DigestOptions {
  from: Date;
  to: Date;
  /** Approvals faster than this on high-risk proposals are flagged (default 30 s). */
  fastApprovalMs?: number;
  /** IANA zone the days of the chart are cut in (default UTC). */
  timeZone?: string;
  /** How many noisiest alerts to list (default 5). */
  topAlerts?: number;
}

export interface ResponseTimes {
  incidents: number;
  /** Mean of (first alert start → first card posted) over incidents that have both. */
  mttdMs: number | null;
  mttdCount: number;
  /** Mean of (first alert start → incident resolved) over resolved incidents. */
  mttrMs: number | null;
  mttrCount: number;
}

export type ReviewReason = 'rejected' | 'execution failed' | 'verification failed' | 'rolled back' | 'fast high-risk approval' | FeedbackReviewReason;

export interface ReviewItem {
  proposalId: string;
  action: string;
  target: string;
  environment: string;
  reasons: ReviewReason[];
  slackChannel: string | null;
  slackTs: string | null;
}

export interface DigestFigures {
  from: Date;
  to: Date;
  timeZone: string;
  proposals: {
    total: number;
    byOutcome: Record<Outcome, number>;
    byEnvironment: Record<string, number>;
    byRequirement: Record<string, number>;
  };
  /** approved ÷ (approved + rejected), over decisions made by a person (not `policy:*`). */
  approval: { decidedByPerson: number; approved: number; rejected: number; rate: number | null };
  /** (decided − card posted, or created when never posted) over decisions made by a person. */
  timeToDecide: { count: number; medianMs: number | null; p90Ms: number | null };
  /** bot: the incident had a proposal that really executed; human: every other incident. */
  response: { bot: ResponseTimes; human: ResponseTimes };
  verificationFailures: number;
  rollbacks: { total: number; succeeded: number };
  demotions: { total: number; items: { action: string; environment: string; level: number }[] };
  fastHighRiskApprovals: { thresholdMs: number; count: number };
  /** From "How did the bot do?" on the week's proposals (see decision-quality.ts for the definitions). */
  decisionQuality: DecisionQuality;
  noisiestAlerts: { name: string; count: number }[];
  toReview: ReviewItem[];
  perDay: { date: string; counts: Record<Outcome, number> }[];
}

const OPEN_STATES = new Set(['pending', 'approved', 'executing']);

export function outcomeOf(state: string): Outcome {
  if (OPEN_STATES.has(state)) return 'open';
  return (outcomes as readonly string[]).includes(state) ? (state as Outcome) : 'open';
}

const isPerson = (decidedBy: string | null): decidedBy is string => decidedBy !== null && !decidedBy.startsWith('policy:');

function zeroOutcomes(): Record<Outcome, number> {
  return Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<Outcome, number>;
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function digestFigures(rows: DigestRows, opts: DigestOptions): DigestFigures {
  if (!(opts.from.getTime() < opts.to.getTime())) throw new RangeError('digest window: from must be before to');
  const timeZone = opts.timeZone ?? 'UTC';
  const thresholdMs = opts.fastApprovalMs ?? 30_000;
  const byId = new Map(rows.proposals.map((p) => [p.id, p]));

  const byOutcome = zeroOutcomes();
  for (const p of rows.proposals) byOutcome[outcomeOf(p.state)] += 1;

  // A person decided: approved unless the decision was a rejection.
  const personDecided = rows.proposals.filter((p) => isPerson(p.decidedBy) && p.decidedAt !== null);
  const rejected = personDecided.filter((p) => p.state === 'rejected').length;
  const approved = personDecided.length - rejected;
  const decideMs = personDecided.map((p) => (p.decidedAt as Date).getTime() - (p.postedAt ?? p.createdAt).getTime());

  const executed = new Set(rows.executions.filter((e) => !e.dryRun && (e.status === 'succeeded' || e.status === 'failed')).map((e) => e.proposalId));
  const botIncidents = new Set(rows.proposals.filter((p) => executed.has(p.id)).map((p) => p.incidentId));
  const response = {
    bot: responseTimes(rows.incidents.filter((i) => botIncidents.has(i.id))),
    human: responseTimes(rows.incidents.filter((i) => !botIncidents.has(i.id))),
  };

  const verificationFailed = new Set(rows.verifications.filter((v) => v.verdict === 'failed' || v.decision === 'not-fixed').map((v) => v.proposalId));
  const rollbackRows = rows.proposals.filter((p) => p.rollbackOf !== null);
  const rolledBack = new Set(rollbackRows.map((p) => p.rollbackOf as string));

  // An approval is "fast" by the time the person had the card in front of them when Slack told us
  // (seen_ms), else by card posted → approval.
  const fastHighRisk = new Set<string>();
  let fastCount = 0;
  for (const a of rows.approvals) {
    const p = byId.get(a.proposalId);
    if (!p || p.risk !== 'high') continue;
    const ms = a.seenMs ?? (p.postedAt ? a.at.getTime() - p.postedAt.getTime() : null);
    if (ms === null || ms >= thresholdMs) continue;
    fastCount += 1;
    fastHighRisk.add(p.id);
  }

  const quality = decisionQuality(rows.proposals, rows.feedback);

  const toReview: ReviewItem[] = [];
  for (const p of rows.proposals) {
    const reasons: ReviewReason[] = [];
    if (p.state === 'rejected') reasons.push('rejected');
    if (p.state === 'failed') reasons.push('execution failed');
    if (verificationFailed.has(p.id)) reasons.push('verification failed');
    if (rolledBack.has(p.id)) reasons.push('rolled back');
    if (fastHighRisk.has(p.id)) reasons.push('fast high-risk approval');
    reasons.push(...(quality.reasons.get(p.id) ?? []));
    if (reasons.length > 0) toReview.push({ proposalId: p.id, action: p.action, target: p.target, environment: p.environment, reasons, slackChannel: p.slackChannel, slackTs: p.slackTs });
  }

  const top = opts.topAlerts ?? 5;
  const noisiestAlerts = [...rows.alerts]
    .filter((a) => a.count > 0)
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, top)
    .map((a) => ({ name: a.name, count: a.count }));

  return {
    from: opts.from,
    to: opts.to,
    timeZone,
    proposals: {
      total: rows.proposals.length,
      byOutcome,
      byEnvironment: countBy(rows.proposals.map((p) => p.environment)),
      byRequirement: countBy(rows.proposals.map((p) => p.requirement)),
    },
    approval: { decidedByPerson: personDecided.length, approved, rejected, rate: personDecided.length === 0 ? null : approved / personDecided.length },
    timeToDecide: { count: decideMs.length, medianMs: nearestRank(decideMs, 50), p90Ms: nearestRank(decideMs, 90) },
    response,
    verificationFailures: verificationFailed.size,
    rollbacks: { total: rollbackRows.length, succeeded: rollbackRows.filter((p) => p.state === 'succeeded').length },
    demotions: { total: rows.demotions.length, items: rows.demotions.map((d) => ({ action: d.action, environment: d.environment, level: d.level })) },
    fastHighRiskApprovals: { thresholdMs, count: fastCount },
    decisionQuality: quality.figures,
    noisiestAlerts,
    toReview,
    perDay: perDay(rows.proposals, opts.from, opts.to, timeZone),
  };
}

function responseTimes(incidents: DigestRows['incidents']): ResponseTimes {
  const detect: number[] = [];
  const resolve: number[] = [];
  for (const i of incidents) {
    if (!i.firstAlertAt) continue;
    if (i.cardPostedAt) detect.push(i.cardPostedAt.getTime() - i.firstAlertAt.getTime());
    if (i.resolvedAt) resolve.push(i.resolvedAt.getTime() - i.firstAlertAt.getTime());
  }
  return { incidents: incidents.length, mttdMs: meanMs(detect), mttdCount: detect.length, mttrMs: meanMs(resolve), mttrCount: resolve.length };
}

/** The calendar date of `at` in `timeZone`, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD; Intl handles DST and rejects an unknown zone with a RangeError.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function perDay(proposals: readonly DigestProposalRow[], from: Date, to: Date, timeZone: string): DigestFigures['perDay'] {
  // Every local date the window touches, stepping by hour so DST days are neither lost nor doubled.
  const days = new Map<string, Record<Outcome, number>>();
  for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) days.set(localDate(new Date(t), timeZone), zeroOutcomes());
  days.set(localDate(new Date(to.getTime() - 1), timeZone), days.get(localDate(new Date(to.getTime() - 1), timeZone)) ?? zeroOutcomes());
  for (const p of proposals) {
    const counts = days.get(localDate(p.createdAt, timeZone));
    if (counts) counts[outcomeOf(p.state)] += 1;
  }
  return [...days].map(([date, counts]) => ({ date, counts }));
}
