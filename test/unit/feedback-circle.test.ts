// Who may say how the bot did on a proposal: its action's approvers, the escalation approvers and
// the admins — not an approver of some other action.
import { describe, expect, it } from 'vitest';
import { feedbackCircle } from '../../src/feedback/answer.ts';
import type { Policy } from '../../src/policy/schema.ts';
import { e2ePolicy } from '../helpers/context.ts';

describe('feedbackCircle', () => {
  it("is the action's approvers, the escalation approvers and the admins", async () => {
    const base = await e2ePolicy();
    const policy: Policy = {
      ...base,
      approvers: { ...base.approvers, 'dev-only': { users: ['U0DEV0001'], usergroups: ['S0DEV00001'] }, 'incident-cmd': { users: ['U0ESC0001'] } },
      escalation: { approvers: ['incident-cmd'] },
    };
    const circle = feedbackCircle(policy, 'scale-asg');
    expect(circle.users).toEqual(expect.arrayContaining(['U0AAA0001', 'U0BBB0002', 'U0CCC0003', 'U0ESC0001']));
    expect(circle.usergroups).toEqual(['S0SRE00001']);
    expect(circle.users).not.toContain('U0DEV0001');
    // No whitelisted action (an advisory card with nothing to run): every approver of the policy.
    const none = feedbackCircle(policy, 'none');
    expect([...none.users].sort()).toEqual(['U0AAA0001', 'U0BBB0002', 'U0CCC0003', 'U0DEV0001', 'U0ESC0001']);
    expect([...none.usergroups].sort()).toEqual(['S0DEV00001', 'S0SRE00001']);
  });
});
