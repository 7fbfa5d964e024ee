import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorRegistry } from '../../src/actions/registry.ts';
import { collectorReadActions, collectorReads } from '../../src/diagnosis/collectors/iam.ts';
import { iamPolicyDocument } from '../../src/policy/iam.ts';
import { loadPolicy } from '../../src/policy/loader.ts';
import { Policy } from '../../src/policy/schema.ts';
import { policyLoadOptions } from '../../src/known-kinds.ts';

const root = path.resolve(import.meta.dirname, '../..');
const anywhere = { partition: 'aws', region: '*', account: '*' };
const READ = {
  Sid: 'Read',
  Effect: 'Allow',
  Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData'],
  Resource: '*',
};

const action = (targets: string[], extra: Record<string, unknown> = {}) => ({
  executor: 'aws.autoscaling.set-desired-capacity',
  blast_radius: 'resource',
  reversible: true,
  approvers: ['oncall'],
  targets: targets.map((asg) => ({ asg, min: 1, max: 10, max_step: 2 })),
  rollback: 'restore-previous-capacity',
  verify: { after: '10m', signal: 'cpu-avg', below: 70 },
  ...extra,
});

const policyWith = (actions: Record<string, unknown>) =>
  Policy.parse({
    environments: { prod: { channel: 'C0PROD' } },
    approvers: { oncall: { users: ['U0AAA'] } },
    admins: [],
    requirements: { prod: { resource: 'one', service: 'two', environment: 'advisory', global: 'advisory' } },
    actions,
    rules: [],
    freezes: [],
    time_limits: { approval: '30m', execution: '15m' },
  });

describe('iam-policy document', () => {
  it('grants the shipped policy exactly the diagnosis reads and each action its writes on web-*', async () => {
    const loaded = await loadPolicy(path.join(root, 'policies'), policyLoadOptions);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const result = iamPolicyDocument(loaded.policy, executorRegistry, collectorReadActions, anywhere);
    expect(result).toEqual({
      ok: true,
      document: {
        Version: '2012-10-17',
        Statement: [
          READ,
          {
            Sid: 'ActionReplaceInstance',
            Effect: 'Allow',
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Resource: ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/web-*'],
          },
          {
            Sid: 'ActionScaleAsg',
            Effect: 'Allow',
            Action: ['autoscaling:SetDesiredCapacity'],
            Resource: ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/web-*'],
          },
        ],
      },
    });
  });

  it('gives each action its own statement on only its own targets, sorted, in the given account and region', () => {
    const policy = policyWith({
      // Declared out of order, with a duplicate pattern: the output is sorted and distinct.
      'scale-web': action(['web-*', 'api-??', 'web-*']),
      'scale-batch': action(['batch-nightly']),
    });
    const result = iamPolicyDocument(policy, executorRegistry, collectorReadActions, { partition: 'aws-us-gov', region: 'us-gov-west-1', account: '123456789012' });
    const arn = (name: string) => `arn:aws-us-gov:autoscaling:us-gov-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/${name}`;
    expect(result).toEqual({
      ok: true,
      document: {
        Version: '2012-10-17',
        Statement: [
          READ,
          { Sid: 'ActionScaleBatch', Effect: 'Allow', Action: ['autoscaling:SetDesiredCapacity'], Resource: [arn('batch-nightly')] },
          { Sid: 'ActionScaleWeb', Effect: 'Allow', Action: ['autoscaling:SetDesiredCapacity'], Resource: [arn('api-??'), arn('web-*')] },
        ],
      },
    });
  });

  it('keeps Sids unique and made of letters and digits only', () => {
    const result = iamPolicyDocument(policyWith({ 'scale-asg': action(['a-*']), scale_asg: action(['b-*']), 'scale.asg': action(['c-*']) }), executorRegistry, [], anywhere);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const sids = result.document.Statement.map((s) => s.Sid);
    expect(sids).toEqual(['Read', 'ActionScaleAsg', 'ActionScaleAsg2', 'ActionScaleAsg3']);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('refuses to guess the permissions of an executor it does not know', () => {
    const result = iamPolicyDocument(policyWith({ 'scale-asg': action(['web-*']) }), new Map(), collectorReadActions, anywhere);
    expect(result).toEqual({
      ok: false,
      errors: ["action 'scale-asg' uses executor 'aws.autoscaling.set-desired-capacity', which this build does not know; its permissions cannot be derived"],
    });
  });
});

/** `new XCommand(` in a source file, and the client package it is imported from. */
async function sentCommands(file: string): Promise<{ command: string; service: string }[]> {
  const text = await readFile(file, 'utf8');
  const service = (command: string) => {
    const from = new RegExp(`import \\{[^}]*\\b${command}\\b[^}]*\\} from '@aws-sdk/client-([a-z-]+)'`).exec(text)?.[1];
    return from === 'auto-scaling' ? 'autoscaling' : (from ?? '?');
  };
  return [...text.matchAll(/new (\w+Command)\(/g)].map((m) => ({ command: m[1]!, service: service(m[1]!) }));
}

describe('the IAM lists follow the code', () => {
  it('names every AWS command the diagnosis collectors send', async () => {
    const dir = path.join(root, 'src/diagnosis/collectors');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'iam.ts');
    const sent = (await Promise.all(files.map((f) => sentCommands(path.join(dir, f))))).flat();
    expect(sent.length).toBeGreaterThan(0);
    for (const { command, service } of sent) {
      // A new collector that sends a command not listed in src/diagnosis/collectors/iam.ts would be denied in production.
      expect(collectorReads.map((r) => r.command), `${command} is sent by a collector`).toContain(command);
      expect(collectorReads.find((r) => r.command === command)?.action).toBe(`${service}:${command.replace(/Command$/, '')}`);
    }
  });

  it('names every AWS command each executor sends', async () => {
    const scaleAsg = await sentCommands(path.join(root, 'src/actions/scale-asg.ts'));
    const iam = executorRegistry.get('aws.autoscaling.set-desired-capacity')!.iam;
    for (const { command, service } of scaleAsg) {
      expect([...iam.writes, ...iam.reads]).toContain(`${service}:${command.replace(/Command$/, '')}`);
    }
    // describeAsg (the collector) reads the group before and after the write.
    expect(iam.reads).toContain('autoscaling:DescribeAutoScalingGroups');
  });
});
