import { describe, expect, it } from 'vitest';
import { checkEligibility } from '../../src/approvals/eligibility.ts';
import type { UsergroupDirectory } from '../../src/slack/usergroups.ts';

const directory = (groups: Record<string, string[] | string>): UsergroupDirectory & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    async members(id) {
      asked.push(id);
      const g = groups[id];
      if (g === undefined) return { ok: false, error: 'no_such_subteam' };
      return typeof g === 'string' ? { ok: false, error: g } : { ok: true, users: g };
    },
  };
};

const approvers = { groups: ['sre'], users: ['U0AAA0001'], usergroups: ['S0SRE00001', 'S0OPS00001'] };

describe('checkEligibility', () => {
  it('accepts a named approver without asking Slack', async () => {
    const dir = directory({});
    expect(await checkEligibility(dir, 'U0AAA0001', approvers)).toEqual({ ok: true, userId: 'U0AAA0001', via: 'named approver' });
    expect(dir.asked).toEqual([]);
  });

  it('accepts a member of a user group, read now', async () => {
    expect(await checkEligibility(directory({ S0SRE00001: ['U0ZED0001'] , S0OPS00001: [] }), 'U0ZED0001', approvers)).toEqual({ ok: true, userId: 'U0ZED0001', via: 'member of user group S0SRE00001' });
    expect(await checkEligibility(directory({ S0SRE00001: [], S0OPS00001: ['U0ZED0001'] }), 'U0ZED0001', approvers)).toEqual({ ok: true, userId: 'U0ZED0001', via: 'member of user group S0OPS00001' });
  });

  it('refuses someone in no group, listing who may approve', async () => {
    expect(await checkEligibility(directory({ S0SRE00001: [], S0OPS00001: [] }), 'U0ZED0001', approvers)).toEqual({
      ok: false,
      userId: 'U0ZED0001',
      reason: 'you are not an eligible approver for this action (approvers: U0AAA0001, S0SRE00001, S0OPS00001)',
    });
  });

  it('fails closed when a group cannot be read, and says which and why', async () => {
    const r = await checkEligibility(directory({ S0SRE00001: 'ratelimited', S0OPS00001: [] }), 'U0ZED0001', approvers);
    expect(r).toEqual({
      ok: false,
      userId: 'U0ZED0001',
      reason: 'you are not an eligible approver for this action (approvers: U0AAA0001, S0SRE00001, S0OPS00001); the members of user group(s) S0SRE00001 (ratelimited) could not be read, so they approve nobody until Slack answers',
    });
  });
});
