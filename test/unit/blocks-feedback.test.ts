import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { feedbackBlocks, tallyLine } from '../../blocks/feedback.ts';
import { LIMITS, validateBlocks } from '../../blocks/limits.ts';
import { proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import { feedbackClosed } from '../../src/domain/feedback.ts';
import { proposalStates } from '../../src/domain/proposal.ts';

const ID = '6f1c2a52-8d0e-4a57-9b1e-3f3f0c2d9a11';
const zero = { right: 0, wrong: 0, shouldEscalate: 0 };

function input(over: Partial<ProposalCardInput> = {}): ProposalCardInput {
  return {
    proposalId: ID, environment: 'prod', action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 8 }, requirement: 'one', approvers: ['U0AAA0001'],
    blastRadius: 'resource', rollback: 'restore-previous-capacity', alert: { name: 'HighCPU', severity: 'critical', summary: null, link: null },
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'saturated', confidence: 0.9, hypotheses: [], risk: 'medium', riskFactors: [], signals: [], reasoning: [], alternatives: [],
      candidate: { action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 8 }, expectedEffect: 'CPU below 70%' },
    },
    state: 'succeeded', decidedBy: 'U0AAA0001', decidedAt: new Date('2026-11-22T10:00:00Z'), outcome: 'web-asg desired capacity 4 → 8', ...over,
  };
}

const buttons = (blocks: KnownBlock[]): Button[] => blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);
const feedbackButtons = (blocks: KnownBlock[]) => buttons(blocks).filter((b) => b.action_id?.startsWith('feedback.'));
const text = (blocks: KnownBlock[], blockId: string) => JSON.stringify(blocks.find((b) => b.block_id === blockId) ?? null);

describe('feedbackBlocks', () => {
  it('asks, offers three answers carrying the proposal id, and shows the tally', () => {
    const blocks = feedbackBlocks(ID, { right: 2, wrong: 0, shouldEscalate: 1 });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(blocks.map((b) => b.block_id)).toEqual(['proposal.feedback.ask', 'proposal.feedback', 'proposal.feedback.tally']);
    expect(text(blocks, 'proposal.feedback.ask')).toContain('How did the bot do?');
    expect(feedbackButtons(blocks).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      ['feedback.right', 'Right call', ID],
      ['feedback.wrong', 'Wrong call', ID],
      ['feedback.should_escalate', 'Should have escalated', ID],
    ]);
    // No style: none of the answers is the "expected" one.
    expect(feedbackButtons(blocks).every((b) => b.style === undefined)).toBe(true);
    expect(text(blocks, 'proposal.feedback.tally')).toContain('So far: 2 right call · 1 should have escalated');
  });

  it('counts every answer kind, and says when there are none yet', () => {
    expect(tallyLine(zero)).toBe('no answers yet');
    expect(tallyLine({ right: 0, wrong: 3, shouldEscalate: 0 })).toBe('3 wrong call');
    expect(tallyLine({ right: 1, wrong: 2, shouldEscalate: 3 })).toBe('1 right call · 2 wrong call · 3 should have escalated');
  });

  it('is absent without a tally (incident not resolved) and on a DM card', () => {
    expect(feedbackBlocks(ID, null)).toEqual([]);
    expect(feedbackBlocks(ID, undefined)).toEqual([]);
    expect(feedbackBlocks(ID, zero, 'dm')).toEqual([]);
  });

  it('stays within Block Kit limits for huge counts', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const blocks = feedbackBlocks(ID, { right: big, wrong: big, shouldEscalate: big });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(feedbackButtons(blocks).every((b) => b.text.text.length <= LIMITS.buttonText)).toBe(true);
  });
});

describe('feedback on the proposal card', () => {
  it('opens only once the incident resolved and the outcome is known', () => {
    for (const state of proposalStates) {
      expect(feedbackClosed('open', state)).toMatch(/has not resolved yet/);
      expect(feedbackClosed(null, state)).toMatch(/has not resolved yet/);
      const unsettled = state === 'pending' || state === 'approved' || state === 'executing';
      expect(feedbackClosed('resolved', state)).toBe(unsettled ? `this proposal is still ${state}; feedback opens once its outcome is known` : null);
    }
  });

  it('shows the buttons on the channel card of a resolved incident, whatever its end state, and never on a DM card', () => {
    for (const state of ['succeeded', 'failed', 'rejected', 'refused', 'advisory', 'cancelled', 'expired', 'superseded'] as const) {
      const channel = proposalCard(input({ state, feedback: { right: 1, wrong: 0, shouldEscalate: 0 } })).blocks;
      expect(validateBlocks(channel)).toEqual([]);
      expect(feedbackButtons(channel).map((b) => b.action_id)).toEqual(['feedback.right', 'feedback.wrong', 'feedback.should_escalate']);
      expect(text(channel, 'proposal.feedback.tally')).toContain('1 right call');
      // Just above the footer, under the outcome.
      expect(channel.at(-1)?.block_id).toBe('proposal.footer');
      expect(channel.at(-2)?.block_id).toBe('proposal.feedback.tally');
      const dm = proposalCard(input({ state, audience: 'dm', feedback: zero })).blocks;
      expect(feedbackButtons(dm)).toEqual([]);
    }
    // The card source gives no tally while the incident is open: no buttons.
    expect(feedbackButtons(proposalCard(input({ feedback: null })).blocks)).toEqual([]);
    expect(feedbackButtons(proposalCard(input()).blocks)).toEqual([]);
  });

  it('a card with every part at its largest, a rollback button and feedback stays within 50 blocks', () => {
    const long = (n: number) => 'word '.repeat(n);
    const { blocks } = proposalCard(input({
      dryRun: true, outcome: long(2000),
      escalation: { configured: true, escalatedBy: 'U0CCC0003', escalatedAt: new Date(), mentions: ['U0CCC0003'] },
      rollbackOffer: { available: true, requested: null, of: ID },
      feedback: { right: 9, wrong: 9, shouldEscalate: 9 },
      diagnosis: {
        ...input().diagnosis,
        signals: Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, label: long(60), source: 'cloudwatch' as const, query: long(100), window: '5m', value: 1, unit: '%', threshold: 1, comparison: '>' as const, breached: true })),
        reasoning: Array.from({ length: 40 }, () => 'x'.repeat(500)),
        alternatives: Array.from({ length: 10 }, () => ({ option: long(30), summary: long(200), whyNot: long(200) })),
      },
    }));
    expect(validateBlocks(blocks)).toEqual([]);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(buttons(blocks).map((b) => b.action_id)).toEqual(['proposal.rollback', 'feedback.right', 'feedback.wrong', 'feedback.should_escalate']);
  });
});
