// Text pieces of the proposal card. Everything from outside (alert, labels, collector errors,
// rule output, executor outcome) goes through safeText/safeLine here, so proposal.ts only
// assembles already-inert strings.
import type { Alternative, RiskLevel } from '../src/domain/diagnosis.ts';
import type { ProposalState, Requirement } from '../src/domain/proposal.ts';
import type { Signal } from '../src/domain/signal.ts';
import { escapeMrkdwn, safeLine, safeText, slackDate, userMention } from './escape.ts';

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
  // Backticks in a query would close the code span early; a prime keeps it readable.
  const query = safeLine(s.query, 200).replace(/`/g, 'ʹ');
  return `${label}: ${num(s.value, s.unit)}${vs}${verdict} · ${safeLine(s.window, 40)} · \`${query}\``;
}

export const reasoningLine = (step: string, i: number): string => `${i + 1}. ${safeText(step, 500)}`;

export function alternativeLine(a: Alternative): string {
  return `• *${safeLine(a.option, 80)}*: ${safeText(a.summary, 300)} — _why not:_ ${safeText(a.whyNot, 400)}`;
}

const MAX_MENTIONS = 20;

function mentions(ids: string[]): string {
  if (ids.length === 0) return '_no eligible approvers configured_';
  const shown = ids.slice(0, MAX_MENTIONS).map(userMention).join(', ');
  return ids.length > MAX_MENTIONS ? `${shown} … ${ids.length - MAX_MENTIONS} more` : shown;
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

/** Who decided and when, for every state after pending. */
export function decisionLine(state: ProposalState, decidedBy: string | null, decidedAt: Date | string | null): string {
  const when = decidedAt ? ` at ${slackDate(decidedAt)}` : '';
  const approved = decidedBy ? `Approved by ${userMention(decidedBy)}${when}` : `Ran automatically under policy${when}`;
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
};
