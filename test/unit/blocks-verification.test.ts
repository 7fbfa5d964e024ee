import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import { proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import { verificationMessage, type VerificationMessageInput } from '../../blocks/verification.ts';

function input(over: Partial<VerificationMessageInput> = {}): VerificationMessageInput {
  return {
    verificationId: '11111111-1111-1111-1111-111111111111', proposalId: '22222222-2222-2222-2222-222222222222',
    action: 'scale-asg', target: 'web-frontend', environment: 'prod', signal: 'cpu-avg', label: 'CPU average', unit: '%',
    query: 'CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-frontend} Average 60s', window: '10m',
    before: 93.456, after: 41.2, comparison: 'below', threshold: 70, verdict: 'passed', detail: null,
    checkedAt: new Date('2026-11-21T05:20:00Z'), decision: null, rollbackAvailable: true, rollback: null, ...over,
  };
}
const text = (blocks: KnownBlock[]) => JSON.stringify(blocks);
const buttons = (blocks: KnownBlock[]): Button[] => blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);

describe('verificationMessage', () => {
  it('shows before → after against the threshold, the query, and the two gate buttons', () => {
    const m = verificationMessage(input());
    expect(validateBlocks(m.blocks)).toEqual([]);
    expect(validateMessageText(m.text)).toEqual([]);
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { text: '✅ Verification passed · web-frontend' } });
    const s = text(m.blocks);
    expect(s).toContain('before 93.46% → after 41.2%; must be below 70%');
    expect(s).toContain('CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-frontend} Average 60s');
    expect(s).toContain('window 10m');
    expect(buttons(m.blocks).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      ['verification.confirm', 'Confirm fixed', '11111111-1111-1111-1111-111111111111'],
      ['verification.not-fixed', 'Not fixed — roll back', '11111111-1111-1111-1111-111111111111'],
    ]);
    expect(m.text).toBe('✅ Verification passed: cpu-avg on web-frontend 93.46% → 41.2% (must be below 70%)');
  });

  it('says an unavailable signal is unknown and asks a person, with the reason escaped', () => {
    const m = verificationMessage(input({ verdict: 'unavailable', after: null, detail: 'CloudWatch could not be read: <!channel> <https://evil|x>' }));
    expect(validateBlocks(m.blocks)).toEqual([]);
    const s = text(m.blocks);
    expect(s).toContain('after n/a');
    expect(s).toContain('It does not know whether the change worked: a person must look and decide.');
    expect(s).toContain('&lt;!channel&gt; &lt;https://evil|x&gt;');
    expect(s).not.toContain('<!channel>');
    expect(buttons(m.blocks)).toHaveLength(2);
  });

  it('shows who decided instead of buttons, and the rollback once there is one', () => {
    const m = verificationMessage(input({ verdict: 'failed', after: 88, decision: { kind: 'not-fixed', by: 'U0AAA0001', at: '2026-11-21T05:30:00Z' }, rollback: { proposalId: 'r-1', requestedBy: 'U0AAA0001', state: 'pending' } }));
    expect(validateBlocks(m.blocks)).toEqual([]);
    expect(buttons(m.blocks)).toEqual([]);
    const s = text(m.blocks);
    expect(s).toContain('*Not fixed* by <@U0AAA0001>');
    expect(s).toContain('↩️ Rollback requested by <@U0AAA0001>: proposal `r-1` (pending).');
  });

  it('offers only "Not fixed" when the change recorded no rollback, and says undoing is a human task', () => {
    const m = verificationMessage(input({ rollbackAvailable: false }));
    expect(buttons(m.blocks).map((b) => b.text.text)).toEqual(['Confirm fixed', 'Not fixed']);
    expect(text(m.blocks)).toContain('No rollback was recorded for this change');
  });

  it('stays inside Slack limits with hostile, oversized text everywhere', () => {
    const huge = `<@U0EVIL> *bold* \`code\` ${'x'.repeat(10_000)}`;
    const m = verificationMessage(input({ target: huge, action: huge, environment: huge, query: huge, window: huge, signal: huge, label: huge, detail: huge, verdict: 'unavailable', decision: { kind: 'confirmed', by: huge, at: 'not a date' } }));
    expect(validateBlocks(m.blocks)).toEqual([]);
    expect(validateMessageText(m.text)).toEqual([]);
    const s = text(m.blocks);
    expect(s).not.toContain('<@U0EVIL>');
    expect(s).toContain('an unknown time');
  });
});

describe('the Rollback button on a proposal card', () => {
  const base: ProposalCardInput = {
    proposalId: 'p-1', environment: 'prod', action: 'scale-asg', target: 'web-1', params: { desiredCapacity: 4 }, requirement: 'one', approvers: ['U0AAA0001'],
    blastRadius: 'resource', rollback: 'restore-previous-capacity', alert: { name: 'HighCPU', severity: null, summary: null, link: null },
    diagnosis: { rule: 'cpu-saturation', hypothesis: 'h', confidence: 0.9, signals: [], reasoning: [], alternatives: [], risk: 'medium', hypotheses: [], riskFactors: [], candidate: null },
    state: 'succeeded', decidedBy: 'U0AAA0001', decidedAt: new Date(), outcome: 'web-1 desired capacity 2 → 4',
  };
  const offer = { available: true, requested: null, of: null };

  it('is on the channel card of a succeeded change that recorded its undo, with a confirm dialog', () => {
    const { blocks } = proposalCard({ ...base, rollbackOffer: offer });
    expect(validateBlocks(blocks)).toEqual([]);
    const [b] = buttons(blocks);
    expect(b).toMatchObject({ action_id: 'proposal.rollback', value: 'p-1', style: 'danger', text: { text: 'Rollback' }, confirm: { confirm: { text: 'Roll back' } } });
  });

  it('is absent on a DM card, without a recorded undo, before success, and once a rollback was requested', () => {
    expect(buttons(proposalCard({ ...base, rollbackOffer: offer, audience: 'dm' }).blocks)).toEqual([]);
    expect(buttons(proposalCard({ ...base, rollbackOffer: { ...offer, available: false } }).blocks)).toEqual([]);
    expect(buttons(proposalCard({ ...base, state: 'failed', rollbackOffer: offer }).blocks)).toEqual([]);
    const requested = proposalCard({ ...base, rollbackOffer: { ...offer, requested: { proposalId: 'r-9', requestedBy: 'policy:verify', state: 'approved' } } });
    expect(buttons(requested.blocks)).toEqual([]);
    expect(text(requested.blocks)).toContain('↩️ Rollback requested by policy:verify: proposal `r-9` (approved).');
  });

  it("says on a rollback's own card what it undoes", () => {
    const { blocks } = proposalCard({ ...base, state: 'pending', rollbackOffer: { available: false, requested: null, of: 'p-0' } });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(text(blocks)).toContain('This proposal undoes proposal `p-0`');
  });
});
