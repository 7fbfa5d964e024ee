// The weekly digest as a Block Kit message: the figures in words, the decisions to review linked
// to their threads. Alert names, targets and environments come from outside and are escaped.
import type { KnownBlock } from '@slack/types';
import { localDate, type DigestFigures, type ResponseTimes } from '../src/digest/figures.ts';
import { safeLine } from './escape.ts';
import { context, fieldsSection, header, listSections, section } from './kit.ts';

export interface DigestLinks {
  /** Thread permalink per proposal id (from chat.getPermalink); a proposal without one is listed unlinked. */
  proposals?: Readonly<Record<string, string>>;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

const counts = (r: Record<string, number>) =>
  Object.entries(r).filter(([, n]) => n > 0).map(([k, n]) => `${safeLine(k, 40)} ${n}`).join(' · ') || 'none';

const times = (label: string, r: ResponseTimes) =>
  `*${label}* (${r.incidents} incidents)\nMTTD ${formatDuration(r.mttdMs)} (n=${r.mttdCount}) · MTTR ${formatDuration(r.mttrMs)} (n=${r.mttrCount})`;

// Slack link text may not contain `|` or `>`; escaped text has no `>` and we drop `|`.
const isSafeUrl = (u: string) => /^https:\/\/[^\s|<>]+$/.test(u);

// "How did the bot do?" answers: one per person and proposal, their latest.
function feedbackField(f: DigestFigures): string {
  const q = f.decisionQuality;
  const n = q.proposalsWithFeedback;
  if (n === 0) return '*Feedback*\nno answers this week';
  return `*Feedback*\n${q.answers.right} right · ${q.answers.wrong} wrong · ${q.answers.shouldEscalate} should have escalated (${n} proposal${n === 1 ? '' : 's'})`;
}

export function digestMessage(f: DigestFigures, links: DigestLinks = {}): { text: string; blocks: KnownBlock[] } {
  // The days of the week as its readers live them (the chart's days are cut in the same zone).
  const day = (d: Date) => localDate(d, f.timeZone);
  const title = `Weekly decision review, ${day(f.from)} – ${day(new Date(f.to.getTime() - 1))}`;
  const rate = f.approval.rate === null ? '—' : `${Math.round(f.approval.rate * 100)}%`;
  const review = f.toReview.map((r) => {
    const what = `${safeLine(r.action, 64)} on ${safeLine(r.target, 120)} (${safeLine(r.environment, 40)})`;
    const url = links.proposals?.[r.proposalId];
    const shown = url && isSafeUrl(url) ? `<${url}|${what.replace(/\|/g, '¦')}>` : what;
    return `• ${shown} — ${r.reasons.join(', ')}`;
  });
  const alerts = f.noisiestAlerts.map((a, i) => `${i + 1}. ${safeLine(a.name, 120)} — ${a.count}`);
  const blocks: KnownBlock[] = [
    header('digest.header', title),
    section('digest.outcomes', `*${f.proposals.total} proposals*\nBy outcome: ${counts(f.proposals.byOutcome)}\nBy environment: ${counts(f.proposals.byEnvironment)}\nBy requirement: ${counts(f.proposals.byRequirement)}`),
    // Ten fields, Slack's most for one section: another figure needs a section of its own.
    fieldsSection('digest.decisions', [
      `*Approval rate*\n${rate} (${f.approval.approved} of ${f.approval.decidedByPerson} decided by a person)`,
      `*Time to decide*\nmedian ${formatDuration(f.timeToDecide.medianMs)} · p90 ${formatDuration(f.timeToDecide.p90Ms)}`,
      times('Bot-handled', f.response.bot),
      times('Human-handled', f.response.human),
      `*Verification failures*\n${f.verificationFailures}`,
      `*Rollbacks*\n${f.rollbacks.total} (${f.rollbacks.succeeded} succeeded)`,
      `*Demotions*\n${f.demotions.total}`,
      `*High-risk approvals under ${formatDuration(f.fastHighRiskApprovals.thresholdMs)}*\n${f.fastHighRiskApprovals.count}`,
      feedbackField(f),
      `*Escalations*\n${f.decisionQuality.falsePositiveEscalations} false positive · ${f.decisionQuality.missedEscalations} missed`,
    ]),
    ...listSections('digest.alerts', 'Noisiest alerts', alerts, { maxBlocks: 1, empty: 'no alerts this week', more: (n) => `… ${n} more` }),
    ...listSections('digest.review', 'Decisions to review', review, { maxBlocks: 10, empty: 'nothing to review this week', more: (n) => `… and ${n} more` }),
    context('digest.footer', [`Days cut in ${safeLine(f.timeZone, 64)}. Percentiles are nearest-rank; MTTD/MTTR are means from the first alert's start.`]),
  ];
  return { text: `${title}: ${f.proposals.total} proposals, approval rate ${rate}, ${f.toReview.length} to review`, blocks };
}
