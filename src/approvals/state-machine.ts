import type { ProposalState, Requirement } from '../domain/proposal.ts';
import type { Eligibility } from './eligibility.ts';

// The proposal lifecycle. Every transition in the store is a guarded
// `UPDATE … WHERE state = <from>`, so only transitions listed here can ever happen, once.
export const transitions: Record<ProposalState, readonly ProposalState[]> = {
  pending: ['approved', 'rejected', 'expired', 'cancelled', 'superseded'],
  approved: ['executing', 'expired', 'cancelled', 'superseded', 'refused'],
  executing: ['succeeded', 'failed', 'refused', 'superseded'],
  succeeded: [],
  failed: [],
  rejected: [],
  refused: [],
  advisory: [],
  expired: [],
  cancelled: [],
  superseded: [],
};

export function canTransition(from: ProposalState, to: ProposalState): boolean {
  return transitions[from].includes(to);
}

export type Decision = 'approve' | 'reject';

export interface DecisionSubject {
  state: ProposalState;
  requirement: Requirement;
  decidedBy: string | null;
  /** Who asked for the action (a command or a button); never its approver. */
  requestedBy: string | null;
}

/** What the server found out about this click before judging it. */
export interface ClickFacts {
  eligibility: Eligibility;
  /** The click came from the approval card sent to this person by direct message. */
  fromOwnDm: boolean;
  /** The person typed the target's name in the confirmation modal. */
  confirmedTarget: boolean;
  /** The person already has a live approval on this proposal. */
  alreadyApproved: boolean;
  /** 'click': a button; 'dialog': the submitted modal that the click opened. */
  stage: 'click' | 'dialog';
}

/** `dialog`: allowed so far, but the decision is made in a modal (reject reason, typed target). */
export type Authorization = { ok: true } | { ok: false; reason: string; code?: 'use-dm-card' } | { ok: 'dialog' };

/**
 * Pure server-side authorisation of a click. The card's buttons are presentation only:
 * a crafted payload for a hidden button lands here and is judged the same way.
 * Reasons are plain text (ids, not mentions): they are escaped wherever they reach Slack.
 */
export function authorizeDecision(p: DecisionSubject, facts: ClickFacts, decision: Decision): Authorization {
  if (p.state !== 'pending') {
    const by = p.decidedBy ? ` by ${p.decidedBy}` : '';
    return { ok: false, reason: `this proposal is already ${p.state}${by}; nothing more to decide` };
  }
  if (!facts.eligibility.ok) return { ok: false, reason: facts.eligibility.reason };
  // A rejection asks for an (optional) reason first.
  if (decision === 'reject') return facts.stage === 'click' ? { ok: 'dialog' } : { ok: true };
  if (p.requirement === 'advisory') return { ok: false, reason: 'this proposal is advisory: the bot will not execute it, a human implements it' };
  if (p.requestedBy !== null && p.requestedBy === facts.eligibility.userId) {
    return { ok: false, reason: 'you asked for this change, so someone else must approve it' };
  }
  if (facts.alreadyApproved) return { ok: false, reason: 'you have already approved this; the other approval must come from someone else' };
  if (p.requirement === 'two') {
    if (!facts.fromOwnDm) {
      return { ok: false, code: 'use-dm-card', reason: 'this change needs two approvers, each from the approval card sent to them by direct message; the channel card cannot approve it' };
    }
    // The highest tier: the approver types the target's name, so nobody approves unread.
    if (facts.stage === 'click') return { ok: 'dialog' };
    if (!facts.confirmedTarget) return { ok: false, reason: "the name typed does not match the target; type it exactly to approve" };
  }
  return { ok: true };
}
