import { describe, expect, it } from 'vitest';
import { authorizeDecision, canTransition, transitions, type ClickFacts } from '../../src/approvals/state-machine.ts';
import { proposalStates } from '../../src/domain/proposal.ts';

const pending = { state: 'pending' as const, requirement: 'one' as const, decidedBy: null, requestedBy: null };
const eligible: ClickFacts = { eligibility: { ok: true, userId: 'U1', via: 'named approver' }, fromOwnDm: false, confirmedTarget: false, alreadyApproved: false, stage: 'dialog' };
const click: ClickFacts = { ...eligible, stage: 'click' };
const two = { ...pending, requirement: 'two' as const };

describe('approval state machine', () => {
  it('moves a proposal only forward, and terminal states go nowhere', () => {
    expect(canTransition('pending', 'approved')).toBe(true);
    expect(canTransition('pending', 'expired')).toBe(true);
    expect(canTransition('approved', 'expired')).toBe(true);
    expect(canTransition('approved', 'cancelled')).toBe(true);
    expect(canTransition('pending', 'executing')).toBe(false);
    expect(canTransition('approved', 'executing')).toBe(true);
    expect(canTransition('executing', 'pending')).toBe(false);
    for (const s of ['succeeded', 'failed', 'rejected', 'refused', 'advisory', 'expired', 'cancelled', 'superseded'] as const) expect(transitions[s]).toEqual([]);
    expect(Object.keys(transitions).sort()).toEqual([...proposalStates].sort());
  });

  it('lets an eligible approver approve a one-approver proposal with a click, and reject through the reason dialog', () => {
    expect(authorizeDecision(pending, click, 'approve')).toEqual({ ok: true });
    expect(authorizeDecision(pending, click, 'reject')).toEqual({ ok: 'dialog' });
    expect(authorizeDecision(pending, eligible, 'reject')).toEqual({ ok: true });
  });

  it('refuses anyone found not eligible, with the reason found', () => {
    const no: ClickFacts = { ...eligible, eligibility: { ok: false, userId: 'U9', reason: 'not eligible' } };
    expect(authorizeDecision(pending, no, 'approve')).toEqual({ ok: false, reason: 'not eligible' });
    expect(authorizeDecision(pending, no, 'reject')).toEqual({ ok: false, reason: 'not eligible' });
  });

  it('refuses a decided proposal, naming who decided', () => {
    expect(authorizeDecision({ ...pending, state: 'approved', decidedBy: 'U1' }, eligible, 'approve')).toEqual({
      ok: false,
      reason: 'this proposal is already approved by U1; nothing more to decide',
    });
    expect(authorizeDecision({ ...pending, state: 'expired' }, eligible, 'reject')).toMatchObject({ ok: false, reason: 'this proposal is already expired; nothing more to decide' });
  });

  it('never lets the person who asked for a change approve it, though they may reject it', () => {
    const asked = { ...pending, requestedBy: 'U1' };
    expect(authorizeDecision(asked, eligible, 'approve')).toEqual({ ok: false, reason: 'you asked for this change, so someone else must approve it' });
    expect(authorizeDecision(asked, eligible, 'reject')).toEqual({ ok: true });
  });

  it('two-person approvals: only from the approver’s own DM card, with the target typed, once per person', () => {
    expect(authorizeDecision(two, eligible, 'approve')).toMatchObject({ ok: false, reason: expect.stringContaining('the channel card cannot approve it') });
    expect(authorizeDecision(two, { ...click, fromOwnDm: true }, 'approve')).toEqual({ ok: 'dialog' });
    expect(authorizeDecision(two, { ...eligible, fromOwnDm: true }, 'approve')).toEqual({ ok: false, reason: 'the name typed does not match the target; type it exactly to approve' });
    expect(authorizeDecision(two, { ...eligible, fromOwnDm: true, confirmedTarget: true }, 'approve')).toEqual({ ok: true });
    expect(authorizeDecision(two, { ...eligible, fromOwnDm: true, confirmedTarget: true, alreadyApproved: true }, 'approve')).toEqual({
      ok: false,
      reason: 'you have already approved this; the other approval must come from someone else',
    });
    expect(authorizeDecision(two, eligible, 'reject')).toEqual({ ok: true });
  });

  it('never approves an advisory proposal', () => {
    expect(authorizeDecision({ ...pending, requirement: 'advisory' }, eligible, 'approve')).toMatchObject({ ok: false, reason: expect.stringContaining('advisory') });
  });
});
