import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import { proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import type { Signal } from '../../src/domain/signal.ts';
import { proposalStates } from '../../src/domain/proposal.ts';

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
      risk: 'high', candidate: { action: 'scale-asg', target: 'web-asg', params: { desired: 8 }, expectedEffect: 'CPU below 70% within 10m' },
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
  });
});
