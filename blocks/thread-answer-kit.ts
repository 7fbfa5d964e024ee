// Inputs and small pieces shared by the thread answers. Everything here that comes from outside
// (targets from alert labels, rule output, executor state) is escaped and bounded on the way in.
import type { KnownBlock } from '@slack/types';
import { canonicalJson } from '../src/domain/canonical.ts';
import type { ProposalState, Requirement } from '../src/domain/proposal.ts';
import { safeCode, safeLine, safeText, slackDate } from './escape.ts';
import { context } from './kit.ts';
import { LIMITS } from './limits.ts';

export interface ThreadAnswer {
  text: string;
  blocks: KnownBlock[];
}

/** The proposal row as the answers need it. */
export interface AnsweredProposal {
  id: string;
  action: string;
  target: string;
  environment: string;
  params: Record<string, unknown>;
  requirement: Requirement;
  state: ProposalState;
  decidedBy: string | null;
  decidedAt: Date | string | null;
  outcome: string | null;
  requestedBy: string | null;
  escalatedBy: string | null;
  escalatedAt: Date | string | null;
}

/** `text` inside a code span: backticks would close it early, a prime keeps it readable. */
export const code = safeCode;

/** A value recorded as JSON (pre-state, rollback step) in a code block, escaped and cut. */
export function jsonBlock(value: unknown, max: number): string {
  let json: string;
  try {
    // Keys sorted: jsonb hands them back in its own order, and a reader compares states by eye.
    json = JSON.stringify(JSON.parse(canonicalJson(value) ?? 'null'), null, 1)?.replace(/\n\s*/g, ' ') ?? String(value);
  } catch {
    json = String(value);
  }
  return `\`\`\`${safeText(json, max).replace(/```/g, 'ʹʹʹ')}\`\`\``;
}

export const subject = (p: AnsweredProposal): string => `${code(p.action, 100)} on ${code(p.target, 200)} (${safeLine(p.environment, 60)})`;

/** The line that says where an answer comes from: the frozen snapshot, not a new look. */
export function provenance(takenAt: string, rule: string, extra?: string): KnownBlock {
  const from = `From the evidence frozen ${slackDate(takenAt)} by rule ${code(rule, 100)}; nothing was re-computed.`;
  return context('thread.provenance', [extra ? `${from} ${extra}` : from]);
}

/** Notification text: one escaped line, well under Slack's 4000. */
export const fallback = (text: string): string => safeLine(text, 600);

/** Blocks plus fallback text, with the tail shortened if a builder ever overshot the block limit. */
export function answer(text: string, blocks: KnownBlock[]): ThreadAnswer {
  return { text: fallback(text), blocks: blocks.slice(0, LIMITS.messageBlocks) };
}
