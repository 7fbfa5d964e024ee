import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import { ESCALATE_ACTION_ID, proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { AUTO_APPROVER, proposalStates, type Requirement } from '../../src/domain/proposal.ts';

const cpu: Signal = {
  id: 'cpu', label: 'CPU avg (web-asg)', source: 'cloudwatch', query: 'AWS/EC2 CPUUtilization AutoScalingGroupName=web-asg Average 60s',
  window: '5m', value: 93.456, unit: 'Percent', threshold: 80, comparison: '>', breached: true,
};
const failed: Signal = { ...cpu, id: 'lat', label: 'p99 latency', value: null, breached: null, error: 'ThrottlingException: Rate exceeded' };

function input(over: Partial<ProposalCardInput> = {}): ProposalCardInput {
  return {
    proposalId: 'prop_123', environment: 'prod', action: 'scale-asg', actionDescription: 'Set desired capacity of an ASG',
    target: 'web-asg', params: { desired: 8, from: 4 }, requirement: 'one', approvers: ['U0AAA', 'U0BBB'],
    blastRadius: 'service', rollback: 'restore previous desired capacity (4)',
    alert: { name: 'HighCPU', severity: 'critical', summary: 'CPU above 80% for 5m', link: 'https://am.example/#/alerts?x=1' },
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'Web tier is CPU-saturated by organic load', confidence: 0.87,
      signals: [cpu, failed], reasoning: ['CPU is 93% > 80%', 'Request count rose 2x'],
      alternatives: [{ option: 'replace-unhealthy-instance', summary: 'Replace a sick instance', whyNot: 'all instances are equally hot' }],
      risk: 'high', hypotheses: [], riskFactors: [], candidate: { action: 'scale-asg', target: 'web-asg', params: { desired: 8 }, expectedEffect: 'CPU below 70% within 10m' },
    },
    state: 'pending', decidedBy: null, decidedAt: null, outcome: null, ...over,
  };
}

const allText = (blocks: KnownBlock[]): string => JSON.stringify(blocks);
const buttons = (blocks: KnownBlock[]): Button[] =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);
const actionIds = (blocks: KnownBlock[]) => buttons(blocks).map((b) => b.action_id);

describe('proposalCard', () => {
  it('shows the whole case for a pending one-approver proposal', () => {
    const { text, blocks } = proposalCard(input());
    expect(validateBlocks(blocks)).toEqual([]);
    const s = allText(blocks);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '🔴 HIGH risk · HighCPU' } });
    for (const part of ['prod', 'web-asg', 'scale-asg', 'desired=8, from=4', '87%', 'service', 'CPU above 80% for 5m',
      '93.46% vs threshold &gt; 80% — *breached*', 'unavailable: ThrottlingException: Rate exceeded', '1. CPU is 93% &gt; 80%',
      'why not:_ all instances are equally hot', 'CPU below 70% within 10m', 'restore previous desired capacity (4)',
      'needs 1 of: <@U0AAA>, <@U0BBB>', '|source (am.example)>']) {
      expect(s).toContain(part);
    }
    expect(text).toBe('HIGH risk proposal: scale-asg on web-asg (prod) for HighCPU — awaiting approval');
    const [approve, reject] = buttons(blocks);
    expect(approve).toMatchObject({ action_id: 'proposal.approve', style: 'primary', value: 'prop_123', text: { text: 'Approve' } });
    expect(reject).toMatchObject({ action_id: 'proposal.reject', style: 'danger', value: 'prop_123', text: { text: 'Reject' } });
  });

  it('ranks the other explanations under the hypothesis and says what the risk level is made of', () => {
    const d = input().diagnosis;
    const { blocks } = proposalCard(input({ diagnosis: { ...d,
      hypotheses: [{ statement: d.hypothesis, confidence: 0.87 }, { statement: 'A bad deploy made requests slower', confidence: 0.3 }, { statement: 'Noisy <!channel> neighbour', confidence: 0.2 }, { statement: 'Third', confidence: 0.1 }],
      riskFactors: ['Blast radius of scale-asg: service (+1)', 'Environment prod is production (+1)'] } }));
    expect(validateBlocks(blocks)).toEqual([]);
    const s = allText(blocks);
    expect(s).toContain('*Also considered:*\\n2. A bad deploy made requests slower (30%)\\n3. Noisy &lt;!channel&gt; neighbour (20%)\\n… 1 more');
    expect(blocks.find((b) => b.block_id === 'proposal.risk')).toMatchObject({ type: 'context', elements: [{ text: '*Risk:* Blast radius of scale-asg: service (+1) · Environment prod is production (+1)' }] });
  });

  it('shows the recommendation instead of an effect when no change is proposed, and tolerates older snapshots', () => {
    const d = input().diagnosis;
    const escalate = proposalCard(input({ requirement: 'advisory', diagnosis: { ...d, candidate: null, recommendation: 'escalate' } }));
    expect(allText(escalate.blocks)).toContain('*Recommendation:* 🔺 escalate — a human must decide');
    expect(allText(escalate.blocks)).not.toContain('Expected effect');
    const quiet = proposalCard(input({ requirement: 'advisory', diagnosis: { ...d, candidate: null, recommendation: 'no-action' } }));
    expect(allText(quiet.blocks)).toContain('*Recommendation:* no action');
    // A snapshot frozen before hypotheses and risk factors existed still renders.
    const { hypotheses: _h, riskFactors: _r, ...older } = d;
    const old = proposalCard(input({ diagnosis: older as typeof d }));
    expect(validateBlocks(old.blocks)).toEqual([]);
    expect(old.blocks.some((b) => b.block_id === 'proposal.risk')).toBe(false);
  });

  it('offers no Approve button when two approvers are needed', () => {
    const { blocks } = proposalCard(input({ requirement: 'two' }));
    expect(actionIds(blocks)).toEqual(['proposal.reject']);
    expect(allText(blocks)).toContain('needs 2 of: <@U0AAA>, <@U0BBB>');
  });

  it('advisory: no buttons, and says a human must implement it', () => {
    for (const over of [{ requirement: 'advisory' as const }, { state: 'advisory' as const }]) {
      const { blocks } = proposalCard(input(over));
      expect(buttons(blocks)).toEqual([]);
      expect(allText(blocks)).toContain('a human must implement it');
      expect(validateBlocks(blocks)).toEqual([]);
    }
  });

  it.each(proposalStates.filter((s) => s !== 'pending'))('%s: no buttons, decision shown', (state) => {
    const decidedAt = new Date('2024-05-01T10:00:00Z');
    const { blocks, text } = proposalCard(input({ state, decidedBy: 'U0AAA', decidedAt, outcome: 'web-asg desired capacity 4 → 8' }));
    expect(buttons(blocks)).toEqual([]);
    expect(validateBlocks(blocks)).toEqual([]);
    const decision = JSON.stringify(blocks.find((b) => b.block_id === 'proposal.decision'));
    expect(decision).toContain('web-asg desired capacity 4 → 8');
    if (state !== 'advisory') {
      expect(decision).toContain('<@U0AAA>');
      expect(decision).toContain('<!date^1714557600^{date_short_pretty} {time}|2024-05-01T10:00:00.000Z>');
    }
    expect(text).not.toContain('awaiting');
  });

  it('shows approved-by wording and rejected-by wording', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    expect(allText(proposalCard(input({ state: 'approved', decidedBy: 'U0AAA', decidedAt: at })).blocks)).toContain('Approved by <@U0AAA> at <!date^');
    expect(allText(proposalCard(input({ state: 'rejected', decidedBy: 'U0BBB', decidedAt: at })).blocks)).toContain('Rejected by <@U0BBB> at <!date^');
  });

  it('renders hostile alert and diagnosis text inert', () => {
    const evil = '<!channel> <https://evil|click> <@U0ADMIN> &';
    const { text, blocks } = proposalCard(input({
      target: evil, environment: evil, action: evil, blastRadius: evil, rollback: evil, outcome: evil,
      state: 'failed', decidedBy: evil, decidedAt: new Date(), params: { [evil]: evil },
      approvers: [evil, 'U0AAA'], actionDescription: evil, proposalId: evil,
      alert: { name: evil, severity: evil, summary: evil, link: 'javascript:alert(1)' },
      diagnosis: {
        ...input().diagnosis, rule: evil, hypothesis: evil, reasoning: [evil],
        signals: [{ ...cpu, label: evil, query: evil, window: evil, unit: evil }, { ...failed, error: evil }],
        alternatives: [{ option: evil, summary: evil, whyNot: evil }],
        candidate: { action: evil, target: evil, params: {}, expectedEffect: evil },
      },
    }));
    const strings = [text, ...JSON.stringify(blocks).match(/"text":"(?:[^"\\]|\\.)*"/g)!];
    for (const s of strings) {
      expect(s).not.toMatch(/<!channel>|<https:\/\/evil|<@U0ADMIN>|javascript:/);
      expect(s).not.toMatch(/&(?!amp;|lt;|gt;)/); // every & is part of an entity
    }
    expect(JSON.stringify(blocks)).toContain('&lt;!channel&gt;');
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('stays within every limit for huge input and says what was cut', () => {
    const long = (n: number) => 'word '.repeat(n);
    const { text, blocks } = proposalCard(input({
      target: long(200), environment: long(100), actionDescription: long(500), blastRadius: long(50),
      rollback: long(2000), outcome: long(2000), approvers: Array.from({ length: 60 }, (_, i) => `U0${i}AAAAAAAAA`),
      params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, long(20)])),
      alert: { name: long(100), severity: long(40), summary: long(3000), link: `https://x.example/${'a'.repeat(4000)}` },
      diagnosis: {
        ...input().diagnosis, hypothesis: long(2000),
        signals: Array.from({ length: 30 }, (_, i) => ({ ...cpu, id: `s${i}`, label: long(60), query: long(100) })),
        reasoning: Array.from({ length: 40 }, () => 'x'.repeat(500)),
        alternatives: Array.from({ length: 10 }, () => ({ option: long(30), summary: long(200), whyNot: long(200) })),
      },
    }));
    expect(validateBlocks(blocks)).toEqual([]);
    expect(validateMessageText(text)).toEqual([]);
    const s = allText(blocks);
    expect(s).toMatch(/… \d+ more steps/);
    expect(s).toMatch(/… \d+ more signals/);
    expect(s).toContain('… 40 more'); // approvers past the first 20
    // The card states the decision for a long outcome too.
    const done = proposalCard(input({ state: 'failed', outcome: long(2000), decidedBy: 'U0AAA', decidedAt: new Date() }));
    expect(validateBlocks(done.blocks)).toEqual([]);
  });

  it('is pure: same input, same card', () => {
    expect(proposalCard(input())).toEqual(proposalCard(input()));
    const full = input({ audience: 'dm', approvals: [{ user: 'U0AAA', via: 'dm' }], escalation: escalated, approvalExpiresAt: at });
    expect(proposalCard(full)).toEqual(proposalCard(full));
  });
});

const at = new Date('2024-05-01T10:00:00Z');
const atToken = '<!date^1714557600^{date_short_pretty} {time}|2024-05-01T10:00:00.000Z>';
const notEscalated = { configured: true, escalatedBy: null, escalatedAt: null, mentions: [] };
const escalated = { configured: true, escalatedBy: 'U0CCC', escalatedAt: at, mentions: ['U0DDD', 'S0SRE', 'C0ONCALL'] };
const blockText = (blocks: KnownBlock[], id: string): string => JSON.stringify(blocks.find((b) => b.block_id === id) ?? null);

describe('proposalCard buttons', () => {
  it('channel, one approver: Approve (with its confirm dialog), Reject, Escalate', () => {
    const { blocks } = proposalCard(input({ escalation: notEscalated }));
    expect(actionIds(blocks)).toEqual(['proposal.approve', 'proposal.reject', ESCALATE_ACTION_ID]);
    const [approve, , escalate] = buttons(blocks);
    expect(approve?.confirm).toMatchObject({ title: { text: 'Approve this change?' }, text: { text: 'Run scale-asg on web-asg in prod.' } });
    expect(escalate).toMatchObject({ action_id: 'proposal.escalate', value: 'prop_123', text: { text: 'Escalate' } });
    expect(escalate?.style).toBeUndefined();
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('channel, two approvers: no Approve; Reject and Escalate', () => {
    expect(actionIds(proposalCard(input({ requirement: 'two', escalation: notEscalated })).blocks)).toEqual(['proposal.reject', 'proposal.escalate']);
  });

  it('no Escalate when policy names nobody, or once escalated', () => {
    expect(actionIds(proposalCard(input({ escalation: { ...notEscalated, configured: false } })).blocks)).toEqual(['proposal.approve', 'proposal.reject']);
    expect(actionIds(proposalCard(input({ escalation: escalated })).blocks)).toEqual(['proposal.approve', 'proposal.reject']);
    // Escalated without a recorded person (e.g. by a timer) still counts as escalated.
    const byTimer = { ...notEscalated, escalatedAt: at };
    expect(actionIds(proposalCard(input({ requirement: 'two', escalation: byTimer })).blocks)).toEqual(['proposal.reject']);
  });

  it('DM card: Approve without a confirm dialog (a modal asks for the target) and Reject, never Escalate', () => {
    for (const requirement of ['one', 'two'] as const) {
      const { blocks } = proposalCard(input({ audience: 'dm', requirement, escalation: notEscalated }));
      expect(actionIds(blocks)).toEqual(['proposal.approve', 'proposal.reject']);
      const [approve, reject] = buttons(blocks);
      expect(approve).toMatchObject({ style: 'primary', value: 'prop_123' });
      expect(approve?.confirm).toBeUndefined();
      expect(reject).toMatchObject({ style: 'danger', value: 'prop_123' });
    }
  });

  it.each(proposalStates.filter((s) => s !== 'pending'))('%s: no buttons on either card, whatever the requirement', (state) => {
    for (const audience of ['channel', 'dm'] as const) {
      for (const requirement of ['one', 'two'] as const) {
        const { blocks } = proposalCard(input({ state, audience, requirement, escalation: notEscalated, decidedBy: 'U0AAA', decidedAt: at }));
        expect(buttons(blocks)).toEqual([]);
        expect(blocks.some((b) => b.block_id === 'proposal.decision')).toBe(state !== 'advisory');
      }
    }
  });

  it('no buttons for auto or advisory tiers, even pending', () => {
    for (const requirement of ['auto', 'advisory'] as const) {
      for (const audience of ['channel', 'dm'] as const) {
        expect(buttons(proposalCard(input({ requirement, audience, escalation: notEscalated })).blocks)).toEqual([]);
      }
    }
  });
});

describe('proposalCard approvals, deadlines and escalation', () => {
  it('two approvers: requirement and progress, counted per person', () => {
    const none = proposalCard(input({ requirement: 'two', approvals: [] })).blocks;
    expect(blockText(none, 'proposal.requirement')).toContain('needs 2 of: <@U0AAA>, <@U0BBB> — two distinct people, each from their own DM card');
    expect(blockText(none, 'proposal.requirement')).toContain('Approvals: 0 of 2 so far');
    const one = proposalCard(input({ requirement: 'two', approvals: [{ user: 'U0AAA', via: 'dm' }, { user: 'U0AAA', via: 'dm' }] })).blocks;
    expect(blockText(one, 'proposal.requirement')).toContain('Approvals so far: 1 of 2: <@U0AAA>');
    const two = proposalCard(input({ requirement: 'two', state: 'executing', decidedBy: 'U0BBB', decidedAt: at, approvals: [{ user: 'U0AAA', via: 'dm' }, { user: 'U0BBB', via: 'dm' }] })).blocks;
    expect(blockText(two, 'proposal.requirement')).toContain('Approvals: 2 of 2: <@U0AAA>, <@U0BBB>');
  });

  it('one approver: progress only when an approval is recorded', () => {
    expect(blockText(proposalCard(input()).blocks, 'proposal.requirement')).not.toContain('Approvals');
    expect(blockText(proposalCard(input({ approvals: [{ user: 'U0BBB', via: 'channel' }] })).blocks, 'proposal.requirement'))
      .toContain('Approvals so far: 1 of 1: <@U0BBB>');
  });

  it('shows the clock that matters in each state', () => {
    const pending = blockText(proposalCard(input({ approvalExpiresAt: at, executeBy: '2024-05-01T11:00:00Z' })).blocks, 'proposal.requirement');
    expect(pending).toContain(`Expires ${atToken} if not approved`);
    expect(pending).not.toContain('Must start by');
    const approved = blockText(proposalCard(input({ state: 'approved', decidedBy: 'U0AAA', decidedAt: at, approvalExpiresAt: at, executeBy: '2024-05-01T10:00:00Z' })).blocks, 'proposal.requirement');
    expect(approved).toContain(`Must start by ${atToken}, or it expires`);
    expect(approved).not.toContain('if not approved');
    const done = blockText(proposalCard(input({ state: 'succeeded', decidedBy: 'U0AAA', decidedAt: at, executeBy: at })).blocks, 'proposal.requirement');
    expect(done).not.toMatch(/Must start|Expires/);
  });

  it('escalated: who, when and whom (users, groups, channels), and that they may decide', () => {
    const { blocks } = proposalCard(input({ escalation: escalated }));
    expect(blockText(blocks, 'proposal.escalation')).toContain(`🔺 Escalated by <@U0CCC> ${atToken} to <@U0DDD>, <!subteam^S0SRE>, <#C0ONCALL>: they may decide too`);
    // Once decided the line is history.
    const decided = proposalCard(input({ escalation: escalated, state: 'rejected', decidedBy: 'U0DDD', decidedAt: at })).blocks;
    expect(blockText(decided, 'proposal.escalation')).not.toContain('may decide');
    expect(proposalCard(input({ escalation: notEscalated })).blocks.map((b) => b.block_id)).not.toContain('proposal.escalation');
  });

  it('only real-looking channel ids become channel links', () => {
    const { blocks } = proposalCard(input({ escalation: { ...escalated, mentions: ['C0OK', 'c0lower', '#general', 'C<!channel>', 'G0PRIV'] } }));
    const line = blockText(blocks, 'proposal.escalation');
    expect(line).toContain('<#C0OK>, c0lower, #general, C&lt;!channel&gt;, <#G0PRIV>');
  });

  it('approved by policy reads as automatic', () => {
    const { blocks } = proposalCard(input({ requirement: 'auto', state: 'approved', decidedBy: AUTO_APPROVER, decidedAt: at }));
    expect(blockText(blocks, 'proposal.decision')).toContain(`Approved automatically by policy at ${atToken}`);
  });

  it.each([
    ['expired', '⌛ Expired: nothing will run', 'Expired: no decision within the approval window of 30m; nothing ran'],
    ['cancelled', '✖️ Cancelled: nothing will run', 'the alert resolved'],
    ['superseded', '↪️ Superseded: approvals on it are void; a new proposal follows', 'Superseded: target changed'],
  ] as const)('%s: the ending and its outcome, no buttons', (state, line, outcome) => {
    const fresh = proposalCard(input({ state, outcome, escalation: notEscalated })).blocks;
    expect(buttons(fresh)).toEqual([]);
    expect(blockText(fresh, 'proposal.decision')).toContain(line);
    expect(blockText(fresh, 'proposal.decision')).toContain(outcome);
    expect(blockText(fresh, 'proposal.decision')).not.toContain('had been');
    // An approval that came before the ending is shown as what it was, not as the time it ended.
    const afterApproval = proposalCard(input({ state, outcome, decidedBy: 'U0AAA', decidedAt: at })).blocks;
    expect(blockText(afterApproval, 'proposal.decision')).toContain(`(it had been approved by <@U0AAA> at ${atToken})`);
  });
});

describe('proposalCard DM variant', () => {
  it('opens with the request, then the same facts, signals and reasoning as the channel card', () => {
    const channel = proposalCard(input({ requirement: 'two' }));
    const dm = proposalCard(input({ requirement: 'two', audience: 'dm' }));
    expect(validateBlocks(dm.blocks)).toEqual([]);
    expect(dm.blocks[1]).toMatchObject({
      type: 'section', block_id: 'proposal.request',
      text: { text: "Your approval is requested for this change (needs 2 distinct approvers). Approving opens a dialog where you type the target's name." },
    });
    const shared = (blocks: KnownBlock[]) => blocks.filter((b) => b.block_id !== 'proposal.request' && b.block_id !== 'proposal.actions');
    expect(shared(dm.blocks)).toEqual(shared(channel.blocks));
    expect(dm.text).toBe(`Your approval is requested: ${channel.text}`);
  });

  it('once decided it says the approver is no longer needed, and shows the outcome', () => {
    const { blocks, text } = proposalCard(input({ requirement: 'two', audience: 'dm', state: 'rejected', decidedBy: 'U0BBB', decidedAt: at, outcome: 'Reason: noisy alert' }));
    expect(blockText(blocks, 'proposal.request')).toContain('This change no longer needs your decision: it is rejected.');
    expect(blockText(blocks, 'proposal.decision')).toContain('Reason: noisy alert');
    expect(text).not.toContain('requested');
  });
});

describe('proposalCard worst cases', () => {
  const evil = '<!channel> <https://evil|click> <@U0ADMIN> <#C0EVIL> <!subteam^S0EVIL> &';
  const long = (n: number) => 'word '.repeat(n);
  const hostile = (over: Partial<ProposalCardInput>): ProposalCardInput => input({
    target: evil, environment: evil, action: evil, blastRadius: evil, rollback: evil, outcome: evil,
    decidedBy: evil, decidedAt: new Date(), params: { [evil]: evil }, approvers: [evil, 'U0AAA'], actionDescription: evil,
    proposalId: evil, alert: { name: evil, severity: evil, summary: evil, link: 'javascript:alert(1)' },
    approvals: [{ user: evil, via: evil }, { user: 'U0AAA', via: evil }],
    escalation: { configured: true, escalatedBy: evil, escalatedAt: 'not a date', mentions: [evil, 'U0AAA'] },
    approvalExpiresAt: 'garbage', executeBy: 'garbage',
    freeze: { name: evil, until: 'garbage', reason: evil }, blocked: [evil],
    diagnosis: {
      ...input().diagnosis, rule: evil, hypothesis: evil, reasoning: [evil],
      signals: [{ ...cpu, label: evil, query: evil, window: evil, unit: evil }, { ...failed, error: evil }],
      alternatives: [{ option: evil, summary: evil, whyNot: evil }],
      candidate: { action: evil, target: evil, params: {}, expectedEffect: evil },
    },
    ...over,
  });

  it.each(proposalStates.flatMap((state) => (['channel', 'dm'] as const).flatMap((audience) =>
    (['one', 'two'] as Requirement[]).map((requirement) => [state, audience, requirement] as const))))(
    'hostile text in every untrusted field stays inert: %s / %s / %s', (state, audience, requirement) => {
      const { text, blocks } = proposalCard(hostile({ state, audience, requirement }));
      const strings = [text, ...JSON.stringify(blocks).match(/"text":"(?:[^"\\]|\\.)*"/g)!];
      for (const s of strings) {
        expect(s).not.toMatch(/<!channel>|<https:\/\/evil|<@U0ADMIN>|<#C0EVIL>|<!subteam\^S0EVIL>|javascript:/);
        expect(s).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
      expect(validateBlocks(blocks)).toEqual([]);
      expect(validateMessageText(text)).toEqual([]);
    },
  );

  it('many approvals, approvers and escalation contacts, long names: every limit holds', () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}0${String(i).padStart(4, '0')}ABCDEFGHIJKLMNOPQRSTUV`);
    for (const audience of ['channel', 'dm'] as const) {
      for (const state of ['pending', 'approved', 'succeeded'] as const) {
        const { text, blocks } = proposalCard(input({
          audience, state, requirement: 'two', decidedBy: 'U0AAA', decidedAt: at,
          target: long(200), environment: long(100), actionDescription: long(500), blastRadius: long(50), rollback: long(2000),
          outcome: long(2000), approvers: [...ids('U', 60), ...ids('S', 60)],
          approvals: ids('U', 200).map((user) => ({ user, via: long(100) })),
          escalation: { configured: true, escalatedBy: 'U0CCC', escalatedAt: at, mentions: [...ids('U', 50), ...ids('S', 50), ...ids('C', 50)] },
          approvalExpiresAt: at, executeBy: at,
          freeze: { name: long(100), until: at.toISOString(), reason: long(500) }, blocked: Array.from({ length: 50 }, () => long(40)),
          params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, long(20)])),
          alert: { name: long(100), severity: long(40), summary: long(3000), link: `https://x.example/${'a'.repeat(4000)}` },
          diagnosis: {
            ...input().diagnosis, hypothesis: long(2000),
            signals: Array.from({ length: 30 }, (_, i) => ({ ...cpu, id: `s${i}`, label: long(60), query: long(100) })),
            reasoning: Array.from({ length: 40 }, () => 'x'.repeat(500)),
            alternatives: Array.from({ length: 10 }, () => ({ option: long(30), summary: long(200), whyNot: long(200) })),
          },
        }));
        expect(validateBlocks(blocks)).toEqual([]);
        expect(validateMessageText(text)).toEqual([]);
        const s = allText(blocks);
        expect(s).toContain('… 190 more'); // approvals past the first 10
        expect(s).toContain('… 130 more'); // escalation contacts past the first 20
        // No section was cut mid-mention: every `<` we wrote is closed.
        for (const b of blocks) {
          const t = b.type === 'section' ? b.text?.text ?? '' : '';
          expect(t.match(/<[^>]*$/)).toBeNull();
        }
      }
    }
  });
});
