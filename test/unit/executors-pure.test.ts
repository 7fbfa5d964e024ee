// The pure parts of the executors and of dry run: replace-instance's preconditions, the dry-run
// decision, the DRY RUN banner on every card, and the IAM grants of the new executors.
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import { DRY_RUN_BANNER, proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import { dryRunNow } from '../../src/actions/dry-run.ts';
import { executorRegistry } from '../../src/actions/registry.ts';
import { newInService, replaceRefusals, type GroupSnapshot } from '../../src/actions/replace-instance-checks.ts';
import { iamPolicyDocument } from '../../src/policy/iam.ts';
import { Policy } from '../../src/policy/schema.ts';

const member = (id: string, lifecycle = 'InService') => ({ id, lifecycle, health: 'Healthy' });
const group = (over: Partial<GroupSnapshot> = {}): GroupSnapshot => ({
  name: 'web-asg', desired: 3, min: 1, max: 6, inService: 3, members: [member('i-aaaaaaaa'), member('i-bbbbbbbb'), member('i-cccccccc')], ...over,
});
const bounds = { min: 1, max: 10, maxStep: 1 };

describe('replace-instance preconditions', () => {
  it('allows a steady group with room for one more', () => {
    expect(replaceRefusals(group(), { instanceId: 'i-bbbbbbbb', capacityNeverBelow: 3 }, bounds, { desiredCapacity: 3 })).toEqual({ reasons: [], stale: false });
  });
  it('refuses at MaxSize, saying how to make room', () => {
    expect(replaceRefusals(group({ max: 3 }), { instanceId: 'i-bbbbbbbb' }, bounds, undefined).reasons).toEqual([
      'web-asg is at its MaxSize (3): the replacement is launched before i-bbbbbbbb is terminated, which needs room for one more instance (raise MaxSize to 4 for the replacement, or replace it by hand)',
    ]);
  });
  it('refuses above the policy bound, a non-member, an instance not InService, and a group mid-change', () => {
    expect(replaceRefusals(group(), { instanceId: 'i-bbbbbbbb' }, { ...bounds, max: 3 }, undefined).reasons).toEqual([
      'launching the replacement first takes desired capacity to 4, above the policy bound max 3',
    ]);
    expect(replaceRefusals(group(), { instanceId: 'i-dddddddd' }, bounds, undefined)).toEqual({
      reasons: ['instance i-dddddddd is not in web-asg (its members: i-aaaaaaaa, i-bbbbbbbb, i-cccccccc)'], stale: true,
    });
    const terminating = group({ inService: 2, members: [member('i-aaaaaaaa'), member('i-bbbbbbbb', 'Terminating'), member('i-cccccccc')] });
    expect(replaceRefusals(terminating, { instanceId: 'i-bbbbbbbb', capacityNeverBelow: 3 }, bounds, undefined).reasons).toEqual([
      'instance i-bbbbbbbb is Terminating, not InService: Auto Scaling is already acting on it',
      'web-asg is not steady: desired 3, 3 instance(s) attached, 2 in service; wait until Auto Scaling settles',
      'web-asg has 2 instance(s) in service, already below capacityNeverBelow 3',
    ]);
  });
  it('refuses, as stale, a group whose capacity changed since the diagnosis', () => {
    expect(replaceRefusals(group(), { instanceId: 'i-aaaaaaaa' }, bounds, { desiredCapacity: 2 })).toEqual({
      reasons: ['target changed since proposal: desired capacity is 3, the diagnosis saw 2'], stale: true,
    });
  });
  it('counts only new in-service instances as the replacement', () => {
    const after = group({ desired: 4, inService: 4, members: [...group().members, member('i-eeeeeeee'), member('i-ffffffff', 'Pending')] });
    expect(newInService(group(), after)).toEqual(['i-eeeeeeee']);
  });
});

const policy = (envDry?: boolean, actionDry?: boolean) => Policy.parse({
  environments: { dev: { channel: 'C0DEV', ...(envDry === undefined ? {} : { dry_run: envDry }) }, prod: { channel: 'C0PROD' } },
  approvers: { oncall: { users: ['U0AAA'] } },
  admins: [],
  requirements: { dev: { resource: 'one', service: 'one', environment: 'two', global: 'advisory' }, prod: { resource: 'one', service: 'two', environment: 'advisory', global: 'advisory' } },
  actions: {
    'scale-asg': { executor: 'aws.autoscaling.set-desired-capacity', blast_radius: 'resource', reversible: true, approvers: ['oncall'], targets: [{ asg: 'web-*', min: 1, max: 10, max_step: 2 }], rollback: 'restore', verify: { after: '5m', signal: 'cpu', below: 70 }, ...(actionDry === undefined ? {} : { dry_run: actionDry }) },
    'replace-instance': { executor: 'aws.autoscaling.replace-instance', blast_radius: 'resource', reversible: false, approvers: ['oncall'], targets: [{ asg: 'web-*', min: 1, max: 10, max_step: 1 }], rollback: 'none', verify: { after: '5m', signal: 'cpu', below: 70 } },
    'restart-api': { executor: 'http.runbook', blast_radius: 'service', reversible: false, approvers: ['oncall'], targets: [{ service: 'api-*' }], rollback: 'none', verify: { after: '5m', signal: 'cpu', below: 70 }, runbook: { url: 'https://automation.example/restart', secret_env: 'RUNBOOK_SECRET_X' } },
  },
  rules: [], freezes: [], time_limits: { approval: '30m', execution: '15m' },
});

describe('dry run', () => {
  it('is on when the environment or the action says so, and only there', () => {
    expect(dryRunNow(policy(), 'dev', 'scale-asg')).toBe(false);
    expect(dryRunNow(policy(true), 'dev', 'scale-asg')).toBe(true);
    expect(dryRunNow(policy(true), 'prod', 'scale-asg')).toBe(false);
    expect(dryRunNow(policy(false, true), 'prod', 'scale-asg')).toBe(true);
    expect(dryRunNow(policy(false, true), 'prod', 'replace-instance')).toBe(false);
    expect(dryRunNow(policy(true), 'constructor', '__proto__')).toBe(false);
  });

  const card = (over: Partial<ProposalCardInput> = {}): ProposalCardInput => ({
    proposalId: 'p1', environment: 'dev', action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 6 }, requirement: 'two', approvers: ['U0AAA', 'U0BBB'],
    blastRadius: 'resource', rollback: 'restore', alert: { name: 'HighCPU', severity: 'critical', summary: null, link: null },
    diagnosis: { rule: 'cpu-saturation', hypothesis: 'h', confidence: 0.8, signals: [], reasoning: ['r'.repeat(5000)], alternatives: [], risk: 'medium', hypotheses: [], riskFactors: [], candidate: null },
    state: 'pending', decidedBy: null, decidedAt: null, outcome: null, dryRun: true, ...over,
  });

  it('puts a DRY RUN banner right under the header of the channel card and of every DM card, within Block Kit limits', () => {
    for (const audience of ['channel', 'dm'] as const) {
      for (const state of ['pending', 'succeeded'] as const) {
        const { text, blocks } = proposalCard(card({ audience, state, outcome: state === 'succeeded' ? 'DRY RUN: would set web-asg desired capacity 4 → 6' : null }));
        expect(validateBlocks(blocks)).toEqual([]);
        expect(validateMessageText(text)).toEqual([]);
        expect(blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^DRY RUN · /) } });
        expect(blocks[1]).toMatchObject({ type: 'section', block_id: 'proposal.dry-run', text: { text: DRY_RUN_BANNER } });
        expect(text).toMatch(/^(Your approval is requested: )?DRY RUN: /);
      }
    }
  });

  it('shows no banner on a real change', () => {
    const { text, blocks } = proposalCard(card({ dryRun: false }));
    expect(JSON.stringify(blocks)).not.toContain('DRY RUN');
    expect(text).not.toContain('DRY RUN');
  });
});

describe('IAM of the new executors', () => {
  it('grants replace-instance its two writes on the group pattern, and a runbook nothing in AWS', () => {
    const result = iamPolicyDocument(policy(), executorRegistry, [], { partition: 'aws', region: '*', account: '*' });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const statements = result.document.Statement.filter((s) => s.Sid !== 'Read');
    expect(statements).toEqual([
      { Sid: 'ActionReplaceInstance', Effect: 'Allow', Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'], Resource: ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/web-*'] },
      { Sid: 'ActionScaleAsg', Effect: 'Allow', Action: ['autoscaling:SetDesiredCapacity'], Resource: ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/web-*'] },
    ]);
  });
});
