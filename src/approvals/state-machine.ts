import type { ProposalState, Requirement } from '../domain/proposal.ts';
import type { Eligibility } from './eligibility.ts';

// The proposal lifecycle. Every transition in the store is a guarded
// `UPDATE … WHERE state = <from>`, so only transitions listed here can ever happen, once.
export const transitions: Record<ProposalState, readonly ProposalState[]> = {
  pending: ['approved', 'rejected'],
  approved: ['executing'],
  executing: ['succeeded', 'failed', 'refused'],
  succeeded: [],
  failed: [],
  rejected: [],
  refused: [],
  advisory: [],
};

export function canTransition(from: ProposalState, to: ProposalState): boolean {
  return transitions[from].includes(to);
}

export type Decision = 'approve' | 'reject';

export interface DecisionSubject {
  state: ProposalState;
  requirement: Requirement;
  decidedBy: string | null;
}

export type Authorization = { ok: true } | { ok: false; reason: string };

/**
 * Pure server-side authorisation of a click. The card's buttons are presentation only:
 * a crafted payload for a hidden button lands here and is judged the same way. Whether the
 * user is an eligible approver is decided before (it may need Slack's user groups) and passed in.
 * Reasons are plain text (ids, not mentions): they are escaped wherever they reach Slack.
 */
export function authorizeDecision(p: DecisionSubject, eligibility: Eligibility, decision: Decision): Authorization {
  if (p.state !== 'pending') {
    const by = p.decidedBy ? ` by ${p.decidedBy}` : '';
    return { ok: false, reason: `this proposal is already ${p.state}${by}; nothing more to decide` };
  }
  if (!eligibility.ok) return { ok: false, reason: eligibility.reason };
  if (decision === 'approve' && p.requirement === 'two') {
    return { ok: false, reason: 'this action needs two distinct approvers; single approval from the channel card is not allowed' };
  }
  if (decision === 'approve' && p.requirement === 'advisory') {
    return { ok: false, reason: 'this proposal is advisory: the bot will not execute it, a human implements it' };
  }
  return { ok: true };
}
