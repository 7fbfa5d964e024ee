import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import type { ExecutionRecord, PastProposal } from '../../blocks/thread-answers-records.ts';
import {
  approversAnswer, helpAnswer, historyAnswer, rollbackAnswer, signalsAnswer, whyAnswer, whyNotAnswer, type AnsweredProposal, type ThreadAnswer,
} from '../../blocks/thread-answers.ts';
import type { EvidenceSnapshot } from '../../src/domain/evidence.ts';
import { proposalStates } from '../../src/domain/proposal.ts';
import type { Signal } from '../../src/domain/signal.ts';

const cpu: Signal = {
  id: 'cpu', label: 'CPU avg (web-asg)', source: 'cloudwatch', query: 'AWS/EC2 CPUUtilization AutoScalingGroupName=web-asg Average 60s',
  window: '5m', value: 93.456, unit: 'Percent', threshold: 80, comparison: '>', breached: true,
};
const desired: Signal = { id: 'desired', label: 'Desired capacity', source: 'autoscaling', query: 'DescribeAutoScalingGroups web-asg', window: 'now', value: 4, unit: 'Count', threshold: null, comparison: null, breached: null };

function evidence(over: Partial<EvidenceSnapshot> = {}): EvidenceSnapshot {
  return {
    takenAt: '2024-05-01T10:00:00.000Z', incidentId: 'inc-1',
    alert: { name: 'HighCPU', severity: 'critical', summary: 'CPU above 80%', link: null, fingerprint: 'f', startsAt: '2024-05-01T09:55:00.000Z', labels: {} },
    environment: 'prod', channel: 'C0PROD0001', rule: 'HighCPU → cpu-saturation',
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'web-asg is CPU-saturated by organic load', confidence: 0.87, risk: 'high', hypotheses: [], riskFactors: [],
      signals: [cpu, desired], reasoning: ['Average CPU was 93% over 5m, above the 80% threshold.', 'Sizing: ceil(4 × 93% / 60%) = 7 instances.'],
      alternatives: [
        { option: 'replace-unhealthy-instance', summary: 'Replace one instance', whyNot: 'All 4 instances are healthy and equally hot.' },
        { option: 'do-nothing', summary: 'Wait and watch', whyNot: 'Waiting leaves users on a saturated group.' },
      ],
      candidate: { action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 7 }, expectedEffect: 'CPU falls to about 55%' },
    },
    action: { name: 'scale-asg', description: null, blastRadius: 'service', rollback: 'restore-previous-capacity' },
    policy: { requirement: 'two', approvers: ['U0AAA0001', 'S0SRE00001'], trace: [], refusals: [] },
    ...over,
  };
}

const proposal = (over: Partial<AnsweredProposal> = {}): AnsweredProposal => ({
  id: 'p-1', action: 'scale-asg', target: 'web-asg', environment: 'prod', params: { desiredCapacity: 7 }, requirement: 'two', state: 'pending',
  decidedBy: null, decidedAt: null, outcome: null, requestedBy: null, escalatedBy: null, escalatedAt: null, ...over,
});

const all = (a: ThreadAnswer): string => JSON.stringify(a.blocks);
function valid(a: ThreadAnswer): ThreadAnswer {
  expect(validateBlocks(a.blocks)).toEqual([]);
  expect(validateMessageText(a.text)).toEqual([]);
  return a;
}

describe('whyAnswer', () => {
  it('gives hypothesis, confidence, every signal with its query, and the reasoning', () => {
    const a = valid(whyAnswer(evidence(), proposal()));
    for (const part of [
      '*Why `scale-asg` on `web-asg` (prod)?*', 'web-asg is CPU-saturated by organic load', '87%', 'HIGH risk', 'never lowers who must approve',
      '93.46% vs threshold &gt; 80% — *breached*', '5m', '`AWS/EC2 CPUUtilization AutoScalingGroupName=web-asg Average 60s`', '*Desired capacity*: 4',
      '1. Average CPU was 93% over 5m', '2. Sizing: ceil(4 × 93% / 60%) = 7 instances.', 'CPU falls to about 55%',
      'frozen <!date^1714557600^', 'nothing was re-computed',
    ]) expect(all(a)).toContain(part);
    expect(a.text).toBe('Why scale-asg on web-asg: web-asg is CPU-saturated by organic load');
  });

  it('stays inside Slack limits with hundreds of long signals and steps, and says how many were left out', () => {
    const signals = Array.from({ length: 400 }, (_, i) => ({ ...cpu, id: `s${i}`, label: `signal ${i} ${'x'.repeat(100)}`, query: 'q'.repeat(400) }));
    const reasoning = Array.from({ length: 400 }, (_, i) => `step ${i} ${'y'.repeat(600)}`);
    const a = valid(whyAnswer(evidence({ diagnosis: { ...evidence().diagnosis, signals, reasoning } }), proposal()));
    expect(all(a)).toMatch(/… \d+ more signals/);
    expect(all(a)).toMatch(/… \d+ more steps/);
  });

  it('says so when nothing was collected or reasoned', () => {
    const a = valid(whyAnswer(evidence({ diagnosis: { ...evidence().diagnosis, signals: [], reasoning: [], candidate: null } }), proposal({ state: 'advisory' })));
    expect(all(a)).toContain('no signals were collected');
    expect(all(a)).toContain('no reasoning was recorded');
  });
});

describe('whyAnswer: ranking and risk', () => {
  it('lists the other explanations by rank and every risk factor', () => {
    const d = evidence().diagnosis;
    const a = valid(whyAnswer(evidence({ diagnosis: { ...d,
      hypotheses: [{ statement: d.hypothesis, confidence: 0.87 }, { statement: 'Uneven load balancing', confidence: 0.25 }],
      riskFactors: ['Change size: high — step +3 on 4 instances (75%) (+2)', 'Environment prod is production (+1)', '3 points → medium (0–1 low, 2–3 medium, 4+ high)'] } }), proposal()));
    const s = all(a);
    expect(s).toContain('*Other explanations, less likely:*\\n2. Uneven load balancing (25%)');
    expect(s).toContain('*Risk, factor by factor:*\\n• Change size: high — step +3 on 4 instances (75%) (+2)\\n• Environment prod is production (+1)\\n• 3 points → medium');
  });

  it('gives the recommendation of a diagnosis that proposes nothing', () => {
    const d = evidence().diagnosis;
    expect(all(valid(whyAnswer(evidence({ diagnosis: { ...d, candidate: null, recommendation: 'no-action' } }), proposal())))).toContain('*Recommendation:* no action');
  });
});

describe('whyNotAnswer', () => {
  it('explains an alternative named exactly', () => {
    const a = valid(whyNotAnswer(evidence(), proposal(), 'do-nothing'));
    expect(all(a)).toContain('*Why not `do-nothing`?*');
    expect(all(a)).toContain('*What it would do:* Wait and watch');
    expect(all(a)).toContain('*Why it lost:* Waiting leaves users on a saturated group.');
    expect(all(a)).toContain('*Chosen instead:* `scale-asg` on `web-asg`');
    expect(all(a)).not.toContain('Closest');
    expect(a.text).toBe('Why not do-nothing: Waiting leaves users on a saturated group.');
  });

  it('says when it picked the closest option to what was typed', () => {
    const a = valid(whyNotAnswer(evidence(), proposal(), 'replace the instance'));
    expect(all(a)).toContain('_Closest option I considered to “replace the instance”:_');
    expect(all(a)).toContain('All 4 instances are healthy and equally hot.');
  });

  it('points at "why?" when the option asked about is the proposed action itself', () => {
    const a = valid(whyNotAnswer(evidence(), proposal(), 'scale asg'));
    expect(all(a)).toContain('`scale-asg` *is* what this proposal does');
  });

  it('lists what was considered for an unknown option, and for a bare "why not?"', () => {
    const unknown = valid(whyNotAnswer(evidence(), proposal(), 'restart the database'));
    expect(all(unknown)).toContain('“restart the database” is not an option this diagnosis considered');
    expect(all(unknown)).toContain('*replace-unhealthy-instance*: Replace one instance — _why not:_ All 4 instances');
    expect(all(unknown)).toContain('*do-nothing*: Wait and watch');
    expect(all(valid(whyNotAnswer(evidence(), proposal(), '')))).toContain('Which option?');
    const none = valid(whyNotAnswer(evidence({ diagnosis: { ...evidence().diagnosis, alternatives: [] } }), proposal(), 'x'));
    expect(all(none)).toContain('no alternatives were recorded');
  });

  it('copes with an older snapshot whose candidate states no expected effect', () => {
    const d = evidence().diagnosis;
    const ev = evidence({ diagnosis: { ...d, candidate: { ...d.candidate!, expectedEffect: undefined as unknown as string } } });
    expect(all(valid(whyNotAnswer(ev, proposal(), 'replace')))).toContain('*Why not `replace-unhealthy-instance`?*');
    expect(all(valid(whyAnswer(ev, proposal())))).not.toContain('Expected effect');
  });

  it('lists hundreds of alternatives within limits', () => {
    const alternatives = Array.from({ length: 300 }, (_, i) => ({ option: `option-${i}`, summary: 's'.repeat(300), whyNot: 'w'.repeat(400) }));
    const a = valid(whyNotAnswer(evidence({ diagnosis: { ...evidence().diagnosis, alternatives } }), proposal(), 'zzz'));
    expect(all(a)).toMatch(/… \d+ more alternatives/);
  });
});

describe('rollbackAnswer', () => {
  const ran = (over: Partial<ExecutionRecord>): ExecutionRecord => ({
    status: 'succeeded', preState: { name: 'web-asg', desired: 4, min: 2, max: 20 }, rollback: { action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 4 } },
    error: null, startedAt: '2024-05-01T10:05:00.000Z', ...over,
  });

  it('before anything ran: the declared plan, and nothing to roll back yet', () => {
    const a = valid(rollbackAnswer(evidence(), proposal(), null));
    expect(all(a)).toContain('*Rollback plan* (declared with `scale-asg` in the policy, blast radius service): restore-previous-capacity');
    expect(all(a)).toContain('Nothing has run for this proposal (it is awaiting approval)');
    expect(a.text).toBe('Rollback plan for scale-asg on web-asg: restore-previous-capacity');
  });

  it('after a successful run: the recorded pre-state and the step that undoes it', () => {
    const a = valid(rollbackAnswer(evidence(), proposal({ state: 'succeeded' }), ran({})));
    expect(all(a)).toContain('*Recorded pre-state:* ```{ \\"desired\\": 4, \\"max\\": 20, \\"min\\": 2, \\"name\\": \\"web-asg\\" }```');
    expect(all(a)).toContain('*Rolling back means:* `scale-asg` on `web-asg` with desiredCapacity=4');
  });

  it('a failed, refused or running execution says what that means for a rollback', () => {
    expect(all(valid(rollbackAnswer(evidence(), proposal({ state: 'failed' }), ran({ status: 'failed', rollback: null, error: 'SetDesiredCapacity failed' }))))).toContain('No rollback step was recorded because the change did not complete');
    expect(all(valid(rollbackAnswer(evidence(), proposal({ state: 'refused' }), ran({ status: 'refused', rollback: null, error: 'outside bounds' }))))).toContain('Refused before any change (outside bounds): nothing to roll back');
    expect(all(valid(rollbackAnswer(evidence(), proposal({ state: 'executing' }), ran({ status: 'running', preState: null, rollback: null }))))).toContain('The pre-state is recorded when it finishes');
    expect(all(valid(rollbackAnswer(evidence(), proposal({ state: 'succeeded' }), ran({ rollback: ['odd', 'shape'] }))))).toContain('```[ \\"odd\\", \\"shape\\" ]```');
  });

  it('advisory: no action, so the person making the change owns its rollback', () => {
    const a = valid(rollbackAnswer(evidence({ action: null }), proposal({ state: 'advisory' }), null));
    expect(all(a)).toContain('No whitelisted action was proposed');
  });

  it('a huge pre-state is cut, inside the code block', () => {
    const a = valid(rollbackAnswer(evidence(), proposal({ state: 'succeeded' }), ran({ preState: { instances: Array.from({ length: 5000 }, (_, i) => `i-${i}`) } })));
    expect(all(a)).toMatch(/…```/);
  });
});

describe('historyAnswer', () => {
  const past = (i: number, over: Partial<PastProposal> = {}): PastProposal => ({
    id: `p-${i}`, action: 'scale-asg', environment: 'prod', params: { desiredCapacity: 6 }, state: 'succeeded', outcome: 'web-asg desired capacity 4 → 6',
    decidedBy: 'U0AAA0001', decidedAt: '2024-04-01T10:00:00.000Z', createdAt: '2024-04-01T09:58:00.000Z', incidentTitle: 'HighCPU on web-asg', ...over,
  });

  it('lists earlier proposals with state, outcome and who decided when, and counts the older ones', () => {
    const a = valid(historyAnswer(proposal(), [past(1), past(2, { state: 'rejected', outcome: 'Reason: noisy', decidedBy: 'U0BBB0002' })], 7));
    const s = all(a);
    expect(s).toContain('*Earlier proposals on `web-asg` (other incidents, newest first)*');
    expect(s).toContain('`scale-asg` desiredCapacity=6 (prod) · *succeeded* — ✅ Approved by <@U0AAA0001> at <!date^1711965600^');
    expect(s).toContain('— web-asg desired capacity 4 → 6 · _HighCPU on web-asg_');
    expect(s).toContain('*rejected* — 🚫 Rejected by <@U0BBB0002>');
    expect(s).toContain('… 5 more, older');
    expect(a.text).toBe('7 earlier proposal(s) on web-asg');
  });

  it('says when there is none', () => {
    expect(all(valid(historyAnswer(proposal(), [], 0)))).toContain('none: no earlier proposal on this target');
  });

  it('long outcomes and titles stay inside limits', () => {
    const rows = Array.from({ length: 5 }, (_, i) => past(i, { outcome: 'o'.repeat(5000), incidentTitle: 't'.repeat(5000), params: { x: 'p'.repeat(5000) } }));
    valid(historyAnswer(proposal({ target: 'x'.repeat(5000) }), rows, 10_000));
  });
});

describe('approversAnswer', () => {
  it('pending two-person: requirement, approvers, approvals so far', () => {
    const a = valid(approversAnswer(evidence(), proposal({ requestedBy: 'U0REQ0001' }), [{ user: 'U0AAA0001', via: 'named approver', at: '2024-05-01T10:01:00.000Z' }], []));
    const s = all(a);
    expect(s).toContain('needs 2 of: <@U0AAA0001>, <!subteam^S0SRE00001>');
    expect(s).toContain('Not <@U0REQ0001>: whoever asked for a change never approves it.');
    expect(s).toContain('*Approvals so far: 1 of 2*\\n• <@U0AAA0001> — named approver, <!date^');
    expect(s).toContain('re-checked on the server against the policy in force');
    expect(a.text).toBe('Approval for scale-asg on web-asg: two');
  });

  it('none yet, escalated, a freeze and a block are all said', () => {
    const ev = evidence({ policy: { ...evidence().policy, freeze: { name: 'weekend', from: '2024-05-03T18:00:00Z', until: '2024-05-06T08:00:00Z', reason: null }, blocked: ['paused: prod'] } });
    const s = all(valid(approversAnswer(ev, proposal({ escalatedBy: 'U0ESC0001', escalatedAt: '2024-05-01T10:02:00.000Z' }), [], ['U0CCC0003', 'S0LEADS001'])));
    expect(s).toContain('No approvals yet (0 of 2).');
    expect(s).toContain('🔺 Escalated by <@U0ESC0001>');
    expect(s).toContain('to <@U0CCC0003>, <!subteam^S0LEADS001>: they may decide too');
    expect(s).toContain("freeze *weekend* was on until <!date^");
    expect(s).toContain('Could not run when proposed: paused: prod.');
  });

  it.each(proposalStates.filter((s) => s !== 'pending'))('%s: says nobody is being asked any more', (state) => {
    const a = valid(approversAnswer(evidence(), proposal({ state, decidedBy: 'U0AAA0001', decidedAt: '2024-05-01T10:03:00.000Z' }), [], []));
    expect(all(a)).toContain('no approval is being asked for now');
  });

  it('hundreds of approvers and approvals stay inside limits', () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}0${String(i).padStart(6, '0')}ABCDEFGHIJ`);
    const ev = evidence({ policy: { ...evidence().policy, approvers: ids('U', 500), blocked: ['b'.repeat(5000)] } });
    const approvals = ids('U', 500).map((user) => ({ user, via: 'v'.repeat(500), at: new Date() }));
    const a = valid(approversAnswer(ev, proposal({ requestedBy: 'U0REQ0001', escalatedBy: 'U0ESC0001', escalatedAt: new Date() }), approvals, ids('S', 500)));
    expect(all(a)).toMatch(/… \d+ more/);
  });
});

describe('signalsAnswer and helpAnswer', () => {
  it('shows every signal line', () => {
    const a = valid(signalsAnswer(evidence(), proposal()));
    expect(all(a)).toContain('*Observed signals (2)*');
    expect(all(a)).toContain('`DescribeAutoScalingGroups web-asg`');
    const many = valid(signalsAnswer(evidence({ diagnosis: { ...evidence().diagnosis, signals: Array.from({ length: 1000 }, () => cpu) } }), proposal()));
    expect(all(many)).toMatch(/… \d+ more signals/);
  });

  it('help names what can be asked and this proposal’s alternatives', () => {
    const a = valid(helpAnswer(evidence(), proposal()));
    for (const part of ['`why?`', '`why not &lt;option&gt;?`', '`replace-unhealthy-instance`, `do-nothing`', '`rollback?`', '`history?`', '`who can approve?`', '`show the signals`']) {
      expect(all(a)).toContain(part);
    }
    expect(a.text).toBe('Ask: why?, why not &lt;option&gt;?, rollback?, history?, who can approve?, show the signals');
  });
});

describe('hostile text', () => {
  const evil = '<!channel> <https://evil|click> <@U0ADMIN> <#C0EVIL> <!subteam^S0EVIL> & ```';
  const ev = evidence({
    takenAt: evil, rule: evil,
    diagnosis: {
      rule: evil, hypothesis: evil, confidence: Number.NaN, risk: 'high', hypotheses: [], riskFactors: [], reasoning: [evil],
      signals: [{ ...cpu, label: evil, query: evil, window: evil, unit: evil }, { ...cpu, error: evil }],
      alternatives: [{ option: evil, summary: evil, whyNot: evil }],
      candidate: { action: evil, target: evil, params: { [evil]: evil }, expectedEffect: evil },
    },
    action: { name: evil, description: evil, blastRadius: evil, rollback: evil },
    policy: { requirement: 'one', approvers: [evil], trace: [evil], refusals: [evil], blocked: [evil], freeze: { name: evil, from: evil, until: evil, reason: evil } },
  });
  const p = proposal({ action: evil, target: evil, environment: evil, params: { [evil]: evil }, requestedBy: evil, escalatedBy: evil, escalatedAt: evil, outcome: evil });
  const execution: ExecutionRecord = { status: 'succeeded', preState: { [evil]: evil }, rollback: { action: evil, target: evil, params: { [evil]: evil } }, error: evil, startedAt: evil };
  const pastRow: PastProposal = { id: evil, action: evil, environment: evil, params: { [evil]: evil }, state: 'rejected', outcome: evil, decidedBy: evil, decidedAt: evil, createdAt: evil, incidentTitle: evil };

  const answers: [string, ThreadAnswer][] = [
    ['why', whyAnswer(ev, p)],
    ['why not (matched)', whyNotAnswer(ev, p, evil)],
    ['why not (unknown)', whyNotAnswer(ev, p, `${evil} zzz qqq`)],
    ['rollback', rollbackAnswer(ev, p, execution)],
    ['rollback (failed)', rollbackAnswer(ev, p, { ...execution, status: 'failed' })],
    ['history', historyAnswer(p, [pastRow], 3)],
    ['approvers', approversAnswer(ev, p, [{ user: evil, via: evil, at: evil }], [evil])],
    ['approvers (decided)', approversAnswer(ev, { ...p, state: 'failed', decidedBy: evil, decidedAt: evil }, [], [])],
    ['signals', signalsAnswer(ev, p)],
    ['help', helpAnswer(ev, p)],
  ];

  it.each(answers)('%s: stays inert text', (_what, a) => {
    valid(a);
    const strings = [a.text, ...(JSON.stringify(a.blocks satisfies KnownBlock[]).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [])];
    for (const s of strings) {
      expect(s).not.toMatch(/<!channel>|<https:\/\/evil|<@U0ADMIN>|<#C0EVIL>|<!subteam\^S0EVIL>/);
      expect(s).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });
});
