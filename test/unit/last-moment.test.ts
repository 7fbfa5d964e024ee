import { describe, expect, it } from 'vitest';
import { lastMomentRefusals } from '../../src/actions/last-moment.ts';
import { AUTO_APPROVER } from '../../src/domain/proposal.ts';
import type { PolicyDecision } from '../../src/policy/decision.ts';

const allowed = (over: Partial<Extract<PolicyDecision, { ok: true }>> = {}): PolicyDecision => ({
  ok: true,
  requirement: 'one',
  matrixRequirement: 'one',
  approvers: { groups: ['sre'], users: ['U0AAA0001'], usergroups: [] },
  freeze: null,
  bounds: { min: 1, max: 10, maxStep: 3, pattern: 'web-*' },
  trace: [],
  ...over,
});

describe('lastMomentRefusals', () => {
  it('lets an approval by an eligible approver under the same requirement run', () => {
    expect(lastMomentRefusals(allowed(), { requirement: 'one', decidedBy: 'U0AAA0001', counting: 1, needed: 1 })).toEqual([]);
    expect(lastMomentRefusals(allowed({ requirement: 'auto' }), { requirement: 'auto', decidedBy: AUTO_APPROVER, counting: 0, needed: 1 })).toEqual([]);
  });

  it('passes on every policy refusal', () => {
    const refused: PolicyDecision = { ok: false, requirement: 'advisory', reasons: ['paused globally by x', 'budget used up'], trace: [] };
    expect(lastMomentRefusals(refused, { requirement: 'one', decidedBy: 'U0AAA0001', counting: 1, needed: 1 })).toEqual(['paused globally by x', 'budget used up']);
  });

  it('refuses when the policy got stricter since the approval (or the auto tier was paused)', () => {
    expect(lastMomentRefusals(allowed({ requirement: 'two' }), { requirement: 'one', decidedBy: 'U0AAA0001', counting: 1, needed: 1 })).toEqual([
      "the policy now requires 'two' but this proposal was approved under 'one'",
    ]);
    expect(lastMomentRefusals(allowed({ requirement: 'one' }), { requirement: 'auto', decidedBy: AUTO_APPROVER, counting: 0, needed: 1 })).toEqual([
      "the policy now requires 'one' but this proposal was approved under 'auto'",
    ]);
  });

  it('refuses an approver who is no longer eligible, and a non-admin during a freeze', () => {
    expect(lastMomentRefusals(allowed(), { requirement: 'one', decidedBy: 'U0GONE001', counting: 0, needed: 1 })).toEqual([
      '0 of the 1 approval(s) needed still count: an approver is no longer eligible under the policy in force',
    ]);
    const freeze = { name: 'weekend', from: new Date('2026-11-20T18:00:00Z'), until: new Date('2026-11-23T08:00:00Z'), reason: null };
    const frozen = allowed({ freeze, approvers: { groups: ['admins'], users: ['U0CCC0003'], usergroups: [] } });
    expect(lastMomentRefusals(frozen, { requirement: 'one', decidedBy: 'U0AAA0001', counting: 0, needed: 1 })).toEqual([
      "freeze 'weekend' is active until 2026-11-23T08:00:00.000Z: only admins' approvals let a change run, and 0 of the 1 approval(s) needed still count",
    ]);
    expect(lastMomentRefusals(frozen, { requirement: 'one', decidedBy: 'U0CCC0003', counting: 1, needed: 1 })).toEqual([]);
  });
});
