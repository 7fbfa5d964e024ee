import { describe, expect, it } from 'vitest';
import { authorizeDecision, canTransition, transitions } from '../../src/approvals/state-machine.ts';
import { proposalStates } from '../../src/domain/proposal.ts';

const pending = { state: 'pending' as const, requirement: 'one' as const, decidedBy: null };

describe('approval state machine', () => {
  it('only lets a pending proposal be approved or rejected, and terminal states go nowhere', () => {
    expect(canTransition('pending', 'approved')).toBe(true);
    expect(canTransition('pending', 'executing')).toBe(false);
    expect(canTransition('approved', 'executing')).toBe(true);
    for (const s of ['succeeded', 'failed', 'rejected', 'refused', 'advisory'] as const) expect(transitions[s]).toEqual([]);
    expect(Object.keys(transitions).sort()).toEqual([...proposalStates].sort());
  });

  it('allows a named approver on a pending one-approver proposal', () => {
    expect(authorizeDecision(pending, 'U1', ['U1', 'U2'], 'approve')).toEqual({ ok: true });
    expect(authorizeDecision(pending, 'U2', ['U1', 'U2'], 'reject')).toEqual({ ok: true });
  });

  it('refuses anyone not named, with the approvers listed', () => {
    expect(authorizeDecision(pending, 'U9', ['U1', 'U2'], 'approve')).toEqual({ ok: false, reason: 'you are not a named approver for this action (approvers: <@U1>, <@U2>)' });
    expect(authorizeDecision(pending, 'U9', [], 'reject')).toMatchObject({ ok: false, reason: expect.stringContaining('approvers: none') });
  });

  it('refuses a decided proposal, naming who decided', () => {
    expect(authorizeDecision({ state: 'approved', requirement: 'one', decidedBy: 'U1' }, 'U1', ['U1'], 'approve')).toEqual({
      ok: false,
      reason: 'this proposal is already approved by <@U1>; nothing more to decide',
    });
  });

  it('never accepts a single channel approval for a two-person action', () => {
    expect(authorizeDecision({ ...pending, requirement: 'two' }, 'U1', ['U1'], 'approve')).toMatchObject({ ok: false, reason: expect.stringMatching(/two distinct approvers/) });
    expect(authorizeDecision({ ...pending, requirement: 'two' }, 'U1', ['U1'], 'reject')).toEqual({ ok: true });
  });
});
