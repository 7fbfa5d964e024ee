import { describe, expect, it } from 'vitest';
import { authorizeDecision, canTransition, transitions } from '../../src/approvals/state-machine.ts';
import { proposalStates } from '../../src/domain/proposal.ts';

const pending = { state: 'pending' as const, requirement: 'one' as const, decidedBy: null };
const yes = { ok: true, via: 'named approver' } as const;

describe('approval state machine', () => {
  it('only lets a pending proposal be approved or rejected, and terminal states go nowhere', () => {
    expect(canTransition('pending', 'approved')).toBe(true);
    expect(canTransition('pending', 'executing')).toBe(false);
    expect(canTransition('approved', 'executing')).toBe(true);
    for (const s of ['succeeded', 'failed', 'rejected', 'refused', 'advisory'] as const) expect(transitions[s]).toEqual([]);
    expect(Object.keys(transitions).sort()).toEqual([...proposalStates].sort());
  });

  it('allows a named approver on a pending one-approver proposal', () => {
    expect(authorizeDecision(pending, yes, 'approve')).toEqual({ ok: true });
    expect(authorizeDecision(pending, yes, 'reject')).toEqual({ ok: true });
  });

  it('refuses anyone found not eligible, with the reason found', () => {
    expect(authorizeDecision(pending, { ok: false, reason: 'not eligible' }, 'approve')).toEqual({ ok: false, reason: 'not eligible' });
    expect(authorizeDecision(pending, { ok: false, reason: 'not eligible' }, 'reject')).toEqual({ ok: false, reason: 'not eligible' });
  });

  it('refuses a decided proposal, naming who decided', () => {
    expect(authorizeDecision({ state: 'approved', requirement: 'one', decidedBy: 'U1' }, yes, 'approve')).toEqual({
      ok: false,
      reason: 'this proposal is already approved by U1; nothing more to decide',
    });
  });

  it('never accepts a single channel approval for a two-person action', () => {
    expect(authorizeDecision({ ...pending, requirement: 'two' }, yes, 'approve')).toMatchObject({ ok: false, reason: expect.stringMatching(/two distinct approvers/) });
    expect(authorizeDecision({ ...pending, requirement: 'two' }, yes, 'reject')).toEqual({ ok: true });
  });
});
