import { describe, expect, it } from 'vitest';
import { digestFigures } from '../../src/digest/figures.ts';
import type { DigestProposalRow, DigestRows } from '../../src/digest/rows.ts';
import { nearestRank } from '../../src/digest/stats.ts';

const from = new Date('2026-03-02T00:00:00Z'); // a Monday
const to = new Date('2026-03-09T00:00:00Z');
const t = (s: string) => new Date(`2026-03-${s}Z`);

function p(id: string, over: Partial<DigestProposalRow>): DigestProposalRow {
  return {
    id, incidentId: `i-${id}`, action: 'scale-asg', target: `asg-${id}`, environment: 'prod', requirement: 'one', state: 'pending',
    createdAt: t('02T00:00:00'), postedAt: null, decidedAt: null, decidedBy: null, rollbackOf: null, escalatedAt: null, risk: 'medium', slackChannel: 'C1', slackTs: `1.${id}`,
    ...over,
  };
}

// A hand-built week. Expected values below are worked out by hand in the comments.
const rows: DigestRows = {
  proposals: [
    // decided by a person in 60 s (posted 10:00:10 → decided 10:01:10)
    p('p1', { incidentId: 'i1', state: 'succeeded', risk: 'high', createdAt: t('02T10:00:00'), postedAt: t('02T10:00:10'), decidedAt: t('02T10:01:10'), decidedBy: 'U1' }),
    // rejected by a person after 120 s; someone had clicked Escalate first
    p('p2', { incidentId: 'i2', requirement: 'two', state: 'rejected', createdAt: t('03T09:00:00'), postedAt: t('03T09:00:00'), decidedAt: t('03T09:02:00'), decidedBy: 'U2', escalatedAt: t('03T09:01:00') }),
    // the policy decided: not a person, so not in the approval rate nor time to decide
    p('p3', { incidentId: 'i3', environment: 'staging', requirement: 'auto', state: 'succeeded', risk: 'low', createdAt: t('03T12:00:00'), postedAt: t('03T12:00:05'), decidedAt: t('03T12:00:05'), decidedBy: 'policy:auto' }),
    // the rollback of p3
    p('p4', { incidentId: 'i3', environment: 'staging', requirement: 'auto', state: 'succeeded', rollbackOf: 'p3', createdAt: t('03T12:20:00'), postedAt: t('03T12:20:00'), decidedAt: t('03T12:20:00'), decidedBy: 'policy:auto' }),
    // advisory, and the diagnosis recommended escalating: the bot called the group in itself
    p('p5', { incidentId: 'i4', requirement: 'advisory', state: 'advisory', createdAt: t('04T08:00:00'), postedAt: t('04T08:00:30'), escalatedAt: t('04T08:00:31') }),
    // approved after 40 s, execution failed
    p('p6', { incidentId: 'i5', state: 'failed', risk: 'high', createdAt: t('05T14:00:00'), postedAt: t('05T14:00:00'), decidedAt: t('05T14:00:40'), decidedBy: 'U1' }),
    p('p7', { incidentId: 'i6', environment: 'staging', state: 'pending', createdAt: t('08T23:00:00'), postedAt: t('08T23:00:00') }),
    // approved after 300 s, then the execution window ran out
    p('p8', { incidentId: 'i7', state: 'expired', risk: 'high', createdAt: t('06T10:00:00'), postedAt: t('06T10:00:00'), decidedAt: t('06T10:05:00'), decidedBy: 'U3' }),
  ],
  executions: [
    { proposalId: 'p1', status: 'succeeded', dryRun: false },
    { proposalId: 'p3', status: 'succeeded', dryRun: false },
    { proposalId: 'p4', status: 'succeeded', dryRun: false },
    { proposalId: 'p6', status: 'failed', dryRun: false },
    // a dry run of p8 does not make i7 bot-handled
    { proposalId: 'p8', status: 'succeeded', dryRun: true },
  ],
  verifications: [
    { proposalId: 'p1', verdict: 'passed', decision: 'not-fixed' }, // a person said it did not fix it
    { proposalId: 'p3', verdict: 'failed', decision: null },
    { proposalId: 'p6', verdict: 'unavailable', decision: 'confirmed' },
  ],
  demotions: [{ action: 'scale-asg', environment: 'staging', level: 1 }],
  incidents: [
    // bot-handled (p1, p3/p4, p6 executed)
    { id: 'i1', firstAlertAt: t('02T09:58:00'), cardPostedAt: t('02T10:00:10'), resolvedAt: t('02T10:20:00') }, // detect 130 s, resolve 1 320 s
    { id: 'i3', firstAlertAt: t('03T11:59:00'), cardPostedAt: t('03T12:00:05'), resolvedAt: t('03T12:59:00') }, // 65 s, 3 600 s
    { id: 'i5', firstAlertAt: t('05T13:59:00'), cardPostedAt: t('05T14:00:00'), resolvedAt: null }, // 60 s, —
    // human-handled (rejected, advisory, expired, none)
    { id: 'i2', firstAlertAt: t('03T08:55:00'), cardPostedAt: t('03T09:00:00'), resolvedAt: t('03T09:30:00') }, // 300 s, 2 100 s
    { id: 'i4', firstAlertAt: t('04T07:59:30'), cardPostedAt: t('04T08:00:30'), resolvedAt: t('04T09:00:00') }, // 60 s, 3 630 s
    { id: 'i7', firstAlertAt: t('06T10:00:00'), cardPostedAt: t('06T10:00:00'), resolvedAt: null }, // 0 s, —
    { id: 'i8', firstAlertAt: null, cardPostedAt: null, resolvedAt: null }, // counted, no times
  ],
  alerts: [
    { name: 'HighCPU', count: 7 }, { name: 'Latency', count: 3 }, { name: 'DiskFull', count: 3 }, { name: 'OOM', count: 9 },
    { name: 'Err5xx', count: 1 }, { name: 'Apple', count: 2 }, { name: 'Zero', count: 0 },
  ],
  approvals: [
    { proposalId: 'p1', slackUser: 'U1', at: t('02T10:01:10'), seenMs: 20_000 }, // high risk, 20 s < 30 s: fast
    { proposalId: 'p2', slackUser: 'U4', at: t('03T09:00:05'), seenMs: 5_000 }, // fast but medium risk: not counted
    { proposalId: 'p6', slackUser: 'U1', at: t('05T14:00:40'), seenMs: null }, // high, posted → approved 40 s: not fast
    { proposalId: 'p8', slackUser: 'U3', at: t('06T10:05:00'), seenMs: null }, // high, 300 s: not fast
  ],
  // "How did the bot do?" (escalated: p2 by a click, p5 by the bot; the others not)
  feedback: [
    { proposalId: 'p1', slackUser: 'U1', verdict: 'right' },
    { proposalId: 'p1', slackUser: 'U2', verdict: 'right' },
    { proposalId: 'p2', slackUser: 'U1', verdict: 'wrong' }, // escalated + wrong → false-positive escalation
    { proposalId: 'p2', slackUser: 'U3', verdict: 'right' },
    { proposalId: 'p3', slackUser: 'U4', verdict: 'right' },
    { proposalId: 'p5', slackUser: 'U2', verdict: 'should_escalate' }, // it was escalated: not missed
    { proposalId: 'p6', slackUser: 'U2', verdict: 'should_escalate' }, // not escalated → missed escalation
    { proposalId: 'p6', slackUser: 'U3', verdict: 'wrong' }, // not escalated + wrong → wrong call
    { proposalId: 'p8', slackUser: 'U1', verdict: 'wrong' }, // not escalated + wrong → wrong call
    { proposalId: 'p-last-week', slackUser: 'U1', verdict: 'wrong' }, // not a proposal of this week: ignored
  ],
};

describe('digestFigures', () => {
  const f = digestFigures(rows, { from, to });

  it('counts proposals by outcome, environment and requirement', () => {
    expect(f.proposals.total).toBe(8);
    expect(f.proposals.byOutcome).toEqual({ succeeded: 3, failed: 1, rejected: 1, advisory: 1, refused: 0, expired: 1, cancelled: 0, superseded: 0, open: 1 });
    expect(f.proposals.byEnvironment).toEqual({ prod: 5, staging: 3 });
    expect(f.proposals.byRequirement).toEqual({ one: 4, two: 1, auto: 2, advisory: 1 });
  });

  it('computes the approval rate over decisions by a person', () => {
    // p1, p2, p6, p8 decided by people; p2 rejected → 3 / 4
    expect(f.approval).toEqual({ decidedByPerson: 4, approved: 3, rejected: 1, rate: 0.75 });
  });

  it('computes median and p90 time to decide by nearest rank', () => {
    // sorted: 40 s, 60 s, 120 s, 300 s; median rank ⌈0.5·4⌉ = 2 → 60 s; p90 rank ⌈0.9·4⌉ = 4 → 300 s
    expect(f.timeToDecide).toEqual({ count: 4, medianMs: 60_000, p90Ms: 300_000 });
  });

  it('splits MTTD and MTTR between bot- and human-handled incidents', () => {
    // bot: detect (130 + 65 + 60) / 3 = 85 s; resolve (1 320 + 3 600) / 2 = 2 460 s
    expect(f.response.bot).toEqual({ incidents: 3, mttdMs: 85_000, mttdCount: 3, mttrMs: 2_460_000, mttrCount: 2 });
    // human: detect (300 + 60 + 0) / 3 = 120 s; resolve (2 100 + 3 630) / 2 = 2 865 s
    expect(f.response.human).toEqual({ incidents: 4, mttdMs: 120_000, mttdCount: 3, mttrMs: 2_865_000, mttrCount: 2 });
  });

  it('counts verification failures, rollbacks, demotions and fast high-risk approvals', () => {
    expect(f.verificationFailures).toBe(2); // p1 (not fixed), p3 (failed)
    expect(f.rollbacks).toEqual({ total: 1, succeeded: 1 });
    expect(f.demotions).toEqual({ total: 1, items: [{ action: 'scale-asg', environment: 'staging', level: 1 }] });
    expect(f.fastHighRiskApprovals).toEqual({ thresholdMs: 30_000, count: 1 });
    // a 45 s threshold also catches p6's 40 s approval
    expect(digestFigures(rows, { from, to, fastApprovalMs: 45_000 }).fastHighRiskApprovals.count).toBe(2);
  });

  it('lists the five noisiest alerts, ties by name', () => {
    expect(f.noisiestAlerts).toEqual([
      { name: 'OOM', count: 9 }, { name: 'HighCPU', count: 7 }, { name: 'DiskFull', count: 3 }, { name: 'Latency', count: 3 }, { name: 'Apple', count: 2 },
    ]);
  });

  it('computes decision quality from the feedback', () => {
    // right: p1 ×2 + p2 + p3 = 4; wrong: p2, p6, p8 = 3; should have escalated: p5, p6 = 2
    // answered: p1, p2, p3, p5, p6, p8 = 6 proposals (p-last-week is not in the week)
    // false positive: escalated and called wrong = p2 → 1 (p5 escalated, but nobody called it wrong)
    // missed: not escalated and "should have escalated" = p6 → 1 (p5's answer does not count: it was escalated)
    expect(f.decisionQuality).toEqual({
      answers: { right: 4, wrong: 3, shouldEscalate: 2 }, proposalsWithFeedback: 6, falsePositiveEscalations: 1, missedEscalations: 1,
    });
  });

  it('lists the decisions to review with their reasons', () => {
    expect(f.toReview.map((r) => [r.proposalId, r.reasons])).toEqual([
      ['p1', ['verification failed', 'fast high-risk approval']],
      ['p2', ['rejected', 'false-positive escalation']],
      ['p3', ['verification failed', 'rolled back']],
      ['p6', ['execution failed', 'wrong call', 'missed escalation']],
      ['p8', ['wrong call']],
    ]);
    expect(f.toReview[0]).toMatchObject({ slackChannel: 'C1', slackTs: '1.p1' });
  });

  it('counts outcomes per day of the window', () => {
    expect(f.perDay.map((d) => d.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
    const nonZero = f.perDay.map((d) => Object.fromEntries(Object.entries(d.counts).filter(([, n]) => n > 0)));
    expect(nonZero).toEqual([{ succeeded: 1 }, { rejected: 1, succeeded: 2 }, { advisory: 1 }, { failed: 1 }, { expired: 1 }, {}, { open: 1 }]);
    // in Tokyo (UTC+9) p7 at 23:00Z on the 8th falls on the 9th
    const tokyo = digestFigures(rows, { from, to, timeZone: 'Asia/Tokyo' });
    expect(tokyo.perDay.at(-1)).toMatchObject({ date: '2026-03-09', counts: { open: 1 } });
  });

  it('gives nulls, not NaN, for an empty week and rejects a backwards window', () => {
    const empty = digestFigures({ proposals: [], executions: [], verifications: [], demotions: [], incidents: [], alerts: [], approvals: [], feedback: [] }, { from, to });
    expect(empty.decisionQuality).toEqual({ answers: { right: 0, wrong: 0, shouldEscalate: 0 }, proposalsWithFeedback: 0, falsePositiveEscalations: 0, missedEscalations: 0 });
    expect(empty.approval.rate).toBeNull();
    expect(empty.timeToDecide).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(empty.response.bot.mttdMs).toBeNull();
    expect(() => digestFigures(rows, { from: to, to: from })).toThrow(/from must be before to/);
  });
});

describe('nearestRank', () => {
  it('takes an observed value at rank ⌈p·n⌉', () => {
    expect(nearestRank([5, 1, 3], 50)).toBe(3); // ⌈1.5⌉ = 2nd of 1,3,5
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(nearestRank([7], 90)).toBe(7);
    expect(() => nearestRank([1], 0)).toThrow(RangeError);
  });
});

describe('digestMessage', () => {
  it('escapes untrusted names, links reviews and stays within Block Kit limits', async () => {
    const { digestMessage } = await import('../../blocks/digest.ts');
    const { validateBlocks } = await import('../../blocks/limits.ts');
    const hostile: DigestRows = { ...rows, alerts: [{ name: '<!channel> *boom*', count: 4 }], proposals: rows.proposals.map((x) => ({ ...x, target: '<@U999>' })) };
    const msg = digestMessage(digestFigures(hostile, { from, to }), { proposals: { p2: 'https://x.slack.com/archives/C1/p1', p3: 'javascript:alert(1)' } });
    expect(validateBlocks(msg.blocks)).toEqual([]);
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U999>');
    expect(all).toContain('<https://x.slack.com/archives/C1/p1|');
    expect(all).not.toContain('javascript:');
    expect(all).toContain('75%');
    expect(all).toContain('*Feedback*\\n4 right · 3 wrong · 2 should have escalated (6 proposals)');
    expect(all).toContain('*Escalations*\\n1 false positive · 1 missed');
    expect(msg.text).toContain('5 to review');
  });

  it('titles the week with its local dates: Auckland Monday 09:00 to Monday 09:00 is Sunday 20:00Z to Sunday 20:00Z', async () => {
    const { digestMessage } = await import('../../blocks/digest.ts');
    const week = { from: new Date('2026-11-15T20:00:00Z'), to: new Date('2026-11-22T20:00:00Z') };
    const msg = digestMessage(digestFigures({ ...rows, proposals: [] }, { ...week, timeZone: 'Pacific/Auckland' }));
    expect(msg.text).toMatch(/^Weekly decision review, 2026-11-16 – 2026-11-23:/);
  });

  it('keeps a huge review list within 50 blocks', async () => {
    const { digestMessage } = await import('../../blocks/digest.ts');
    const { validateBlocks } = await import('../../blocks/limits.ts');
    const many = Array.from({ length: 2000 }, (_, i) => p(`r${i}`, { state: 'rejected', target: 'x'.repeat(300), createdAt: t('03T00:00:00'), decidedAt: t('03T00:01:00'), decidedBy: 'U1' }));
    const msg = digestMessage(digestFigures({ ...rows, proposals: many }, { from, to }));
    expect(validateBlocks(msg.blocks)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toMatch(/… and \d+ more/);
  });
});
