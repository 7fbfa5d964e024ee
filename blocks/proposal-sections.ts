// Text pieces of the proposal card. Everything from outside (alert, labels, collector errors,
// rule output, executor outcome) goes through safeText/safeLine here, so proposal.ts only
// assembles already-inert strings.
import type { Alternative, Diagnosis, RiskLevel } from '../src/domain/diagnosis.ts';
import { AUTO_APPROVER, type ProposalState, type Requirement } from '../src/domain/proposal.ts';
import type { Signal } from '../src/domain/signal.ts';
import { escapeMrkdwn, safeCode, safeLine, safeText, slackDate, userMention } from './escape.ts';

const RISK_MARK: Record<RiskLevel, string> = { low: '🟢', medium: '🟠', high: '🔴' };

export function riskLabel(risk: RiskLevel): string {
  return `${RISK_MARK[risk] ?? '⚪'} ${String(risk).toUpperCase()} risk`;
}

export function confidencePct(confidence: number): string {
  if (!Number.isFinite(confidence)) return 'unknown';
  return `${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}%`;
}

/** `desired=8, reason="cpu"`: strings bare, everything else as JSON; bounded and escaped. */
export function paramsText(params: Record<string, unknown>, max: number): string {
  const parts = Object.entries(params).map(([key, value]) => `${key}=${typeof value === 'string' ? value : json(value)}`);
  return parts.length === 0 ? '(no parameters)' : safeLine(parts.join(', '), max);
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // BigInt or a cycle: still show something rather than throw
  }
}

function num(value: number, unit: string): string {
  const n = Number.isFinite(value) ? String(Math.round(value * 100) / 100) : String(value);
  if (unit === 'Percent' || unit === '%') return `${n}%`;
  if (unit === '' || unit === 'None' || unit === 'Count') return n;
  return `${n} ${safeLine(unit, 20)}`;
}

/** One signal as a line: value vs threshold, breach, window and the query a human can re-run. */
export function signalLine(s: Signal): string {
  const label = `• *${safeLine(s.label, 120)}*`;
  if (s.error !== undefined) return `${label}: unavailable: ${safeLine(s.error, 300)}`;
  if (s.value === null) return `${label}: no data`;
  const vs = s.threshold !== null && s.comparison !== null
    ? ` vs threshold ${escapeMrkdwn(s.comparison)} ${num(s.threshold, s.unit)}`
    : '';
  const verdict = s.breached === true ? ' — *breached*' : s.breached === false ? ' — within threshold' : '';
  return `${label}: ${num(s.value, s.unit)}${vs}${verdict} · ${safeLine(s.window, 40)} · ${safeCode(s.query, 200)}`;
}

export const reasoningLine = (step: string, i: number): string => `${i + 1}. ${safeText(step, 500)}`;

// Evidence is JSON from the database: snapshots frozen before these fields existed lack them.
const listOf = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/** The explanations ranked below the primary one: "2. <statement> (30%)". */
export function otherHypothesisLines(d: Pick<Diagnosis, 'hypotheses'>, max: number): string[] {
  const others = listOf(d.hypotheses).slice(1);
  const lines = others.slice(0, max).map((h, i) => `${i + 2}. ${safeText(h.statement, 300)} (${confidencePct(h.confidence)})`);
  return others.length > max ? [...lines, `… ${others.length - max} more`] : lines;
}

/** Every factor behind the risk level, as one escaped line each. */
export const riskFactorLines = (d: Pick<Diagnosis, 'riskFactors'>): string[] => listOf(d.riskFactors).map((f) => safeText(f, 300));

/** What the bot recommends when it proposes no change; null when it proposes one or cannot tell. */
export function recommendationLine(d: Pick<Diagnosis, 'candidate' | 'recommendation'>): string | null {
  if (d.candidate) return null;
  if (d.recommendation === 'escalate') return '*Recommendation:* 🔺 escalate — a human must decide; the bot will not change anything.';
  if (d.recommendation === 'no-action') return '*Recommendation:* no action — nothing should be changed for this alert.';
  return null;
}

export function alternativeLine(a: Alternative): string {
  return `• *${safeLine(a.option, 80)}*: ${safeText(a.summary, 300)} — _why not:_ ${safeText(a.whyNot, 400)}`;
}

const MAX_MENTIONS = 20;
const MAX_APPROVALS_SHOWN = 10;

const CHANNEL_ID = /^[CG][A-Z0-9]{2,30}$/;

/**
 * A user (`<@U…>`), user group (`<!subteam^S…>`) or channel (`<#C…>`) mention for a
 * real-looking id; anything else is shown escaped, so a stored id can never become a broadcast,
 * a mention of someone else or a link.
 */
export function recipientMention(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : userMention(id);
}

/** Up to `max` mentions, then "… N more" (a card has room for names, not for a roster). */
export function mentionList(ids: readonly string[], max: number = MAX_MENTIONS, render: (id: string) => string = recipientMention): string {
  const shown = ids.slice(0, max).map(render).join(', ');
  return ids.length > max ? `${shown} … ${ids.length - max} more` : shown;
}

// Approvers are people and user groups only: a channel id among them is shown escaped.
function mentions(ids: string[]): string {
  if (ids.length === 0) return '_no eligible approvers configured_';
  return mentionList(ids, MAX_MENTIONS, userMention);
}

export function requirementLine(requirement: Requirement, approvers: string[]): string {
  switch (requirement) {
    case 'one':
      return `*Approval:* needs 1 of: ${mentions(approvers)}`;
    case 'two':
      return `*Approval:* needs 2 of: ${mentions(approvers)} — two distinct people, each from their own DM card`;
    case 'auto':
      return '*Approval:* none needed — policy lets this run automatically';
    case 'advisory':
      return '*Advisory only:* the bot will not run this — a human must implement it';
  }
}

export const approvalsNeeded = (requirement: Requirement): number => (requirement === 'two' ? 2 : requirement === 'one' ? 1 : 0);

/**
 * "Approvals so far: 1 of 2: <@alice>" while pending, "Approvals: 2 of 2: …" afterwards; null
 * when the tier takes no approvals, or a one-approver proposal has none (its decision line says it).
 * Counted per person: the card promises distinct approvers, so a repeat never counts twice.
 */
export function progressLine(requirement: Requirement, approvals: readonly { user: string }[], state: ProposalState): string | null {
  const needed = approvalsNeeded(requirement);
  if (needed === 0) return null;
  const users = [...new Set(approvals.map((a) => a.user))];
  if (users.length === 0) return needed > 1 && state === 'pending' ? `Approvals: 0 of ${needed} so far` : null;
  const label = state === 'pending' ? 'Approvals so far' : 'Approvals';
  return `${label}: ${users.length} of ${needed}: ${mentionList(users, MAX_APPROVALS_SHOWN, userMention)}`;
}

/** The clock that matters in this state, if it is known. */
export function deadlineLine(state: ProposalState, approvalExpiresAt: Date | string | null, executeBy: Date | string | null): string | null {
  if (state === 'pending' && approvalExpiresAt) return `⏳ Expires ${slackDate(approvalExpiresAt)} if not approved`;
  if (state === 'approved' && executeBy) return `⏳ Must start by ${slackDate(executeBy)}, or it expires`;
  return null;
}

export interface EscalationInput {
  /** Policy names people to escalate to; without them there is no Escalate button. */
  configured: boolean;
  escalatedBy: string | null;
  escalatedAt: Date | string | null;
  /** Slack user (U…), user group (S…) or channel (C…) ids that were called in. */
  mentions: string[];
}

export const isEscalated = (e: EscalationInput): boolean => e.escalatedBy !== null || e.escalatedAt !== null;

/** Who called in more deciders, when and whom; null until someone escalates. */
export function escalationLine(e: EscalationInput, state: ProposalState): string | null {
  if (!isEscalated(e)) return null;
  const by = e.escalatedBy ? ` by ${userMention(e.escalatedBy)}` : '';
  const when = e.escalatedAt ? ` ${slackDate(e.escalatedAt)}` : '';
  const to = e.mentions.length > 0 ? ` to ${mentionList(e.mentions)}` : '';
  // Once decided, the line is history: nobody "may decide" any more.
  const tail = state === 'pending' ? ': they may decide too' : '';
  return `🔺 Escalated${by}${when}${to}${tail}`;
}

/** The opening of an approver's DM card: why they got it and what approving involves. */
export function dmRequestLine(requirement: Requirement, state: ProposalState): string {
  const needed = approvalsNeeded(requirement);
  if (state !== 'pending') return `This change no longer needs your decision: it is ${stateWords[state]}.`;
  if (needed === 0) return 'This proposal takes no approval: there is nothing to decide here.';
  const who = needed === 2 ? 'needs 2 distinct approvers' : 'needs 1 approver';
  return `Your approval is requested for this change (${who}). Approving opens a dialog where you type the target's name.`;
}

/** Who decided and when, for every state after pending. */
export function decisionLine(state: ProposalState, decidedBy: string | null, decidedAt: Date | string | null): string {
  const when = decidedAt ? ` at ${slackDate(decidedAt)}` : '';
  const auto = decidedBy === null || decidedBy === AUTO_APPROVER;
  const approvedBy = auto ? `approved automatically by policy${when}` : `approved by ${userMention(decidedBy)}${when}`;
  const approved = `${approvedBy.charAt(0).toUpperCase()}${approvedBy.slice(1)}`;
  // Expiry, cancellation and supersession leave decided_* as the approval set them (if any):
  // it is shown as what had happened before, never as the time of the ending itself.
  const earlier = decidedBy !== null ? ` (it had been ${approvedBy})` : '';
  switch (state) {
    case 'pending':
      return `Waiting for approval`;
    case 'approved':
      return `✅ ${approved}`;
    case 'executing':
      return `⏳ ${approved} · executing`;
    case 'succeeded':
      return `✅ ${approved} · succeeded`;
    case 'failed':
      return `❌ ${approved} · failed`;
    case 'rejected':
      return `🚫 Rejected by ${decidedBy ? userMention(decidedBy) : 'unknown'}${when}`;
    case 'refused':
      return `⛔ Refused by policy${when}${decidedBy ? ` (approved by ${userMention(decidedBy)})` : ''}`;
    case 'advisory':
      return '📝 Advisory only: a human must implement this';
    case 'expired':
      return `⌛ Expired: nothing will run${earlier}`;
    case 'cancelled':
      return `✖️ Cancelled: nothing will run${earlier}`;
    case 'superseded':
      return `↪️ Superseded: approvals on it are void; a new proposal follows${earlier}`;
  }
}

/** Short words for the notification fallback. */
export const stateWords: Record<ProposalState, string> = {
  pending: 'awaiting approval',
  approved: 'approved',
  executing: 'executing',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  refused: 'refused by policy',
  advisory: 'advisory only',
  expired: 'expired',
  cancelled: 'cancelled',
  superseded: 'superseded',
};
