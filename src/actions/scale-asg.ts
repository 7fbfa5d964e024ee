import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import type { CapacityBounds } from '../domain/bounds.ts';
import { describeAsg, type AsgState } from '../diagnosis/collectors/autoscaling.ts';
import { awsErrorText, callSignal, type Executor } from './executor.ts';

export const ScaleAsgParams = z.object({ desiredCapacity: z.number().int().min(0).max(10_000) }).strict();
export type ScaleAsgParams = z.infer<typeof ScaleAsgParams>;

type GroupState = Pick<AsgState, 'desired' | 'min' | 'max'>;

/** Pure: every reason the change must not happen, against policy bounds and the group's own limits. */
export function scaleRefusals(desired: number, group: GroupState, bounds: CapacityBounds, expectedDesired?: number): string[] {
  const reasons: string[] = [];
  if (expectedDesired !== undefined && group.desired !== expectedDesired) {
    reasons.push(`target changed since proposal: desired capacity is ${group.desired}, the diagnosis saw ${expectedDesired}`);
  }
  if (desired < bounds.min || desired > bounds.max) reasons.push(`desired capacity ${desired} is outside the policy bounds [${bounds.min}, ${bounds.max}]`);
  if (Math.abs(desired - group.desired) > bounds.maxStep) reasons.push(`a step of ${Math.abs(desired - group.desired)} (from ${group.desired} to ${desired}) exceeds the policy max_step ${bounds.maxStep}`);
  if (desired < group.min || desired > group.max) reasons.push(`desired capacity ${desired} is outside the group's own limits [${group.min}, ${group.max}]`);
  return reasons;
}

// aws.autoscaling.set-desired-capacity: scale a group within bounds; rollback restores the previous capacity.
export const scaleAsgExecutor: Executor<ScaleAsgParams> = {
  kind: 'aws.autoscaling.set-desired-capacity',
  targets: 'asg',
  runbook: false,
  params: ScaleAsgParams,
  iam: {
    writes: ['autoscaling:SetDesiredCapacity'],
    // describeAsg before and after the write.
    reads: ['autoscaling:DescribeAutoScalingGroups'],
    // The group id in the ARN is not known from a name, hence `*` for it.
    resourceArn: (pattern, s) => `arn:${s.partition}:autoscaling:${s.region}:${s.account}:autoScalingGroup:*:autoScalingGroupName/${pattern}`,
  },
  async inspect(deps, { target }) {
    const now = await describeAsg(deps.autoscaling, target, { abortSignal: callSignal(deps) });
    return now ? `${target} now reports desired capacity ${now.desired} (min ${now.min}, max ${now.max})` : `${target} was not found`;
  },
  async run(deps, req) {
    const { target, params } = req;
    if (!req.bounds) return { status: 'refused', preState: null, reason: `target '${target}' has no capacity bounds in the policy` };
    const pre = await describeAsg(deps.autoscaling, target, { abortSignal: callSignal(deps) });
    if (!pre) return { status: 'refused', preState: null, reason: `Auto Scaling group '${target}' not found` };
    const expected = req.observed?.desiredCapacity;
    const reasons = scaleRefusals(params.desiredCapacity, pre, req.bounds, expected);
    const stale = expected !== undefined && pre.desired !== expected;
    if (reasons.length) return { status: 'refused', preState: pre, reason: reasons.join('; '), ...(stale ? { stale } : {}) };
    if (req.dryRun) {
      return { status: 'succeeded', dryRun: true, preState: pre, postState: pre, rollback: null, summary: `DRY RUN: would set ${target} desired capacity ${pre.desired} → ${params.desiredCapacity} (nothing was changed)` };
    }
    try {
      await deps.autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: target, DesiredCapacity: params.desiredCapacity, HonorCooldown: false }),
        { abortSignal: callSignal(deps) },
      );
    } catch (err) {
      // The write may or may not have landed: re-read and say what we found rather than guess.
      const after = await describeAsg(deps.autoscaling, target, { abortSignal: callSignal(deps) }).catch(() => null);
      const found = after ? `group now reports desired capacity ${after.desired}` : 'the group could not be re-read';
      return { status: 'failed', preState: pre, postState: after, reason: `SetDesiredCapacity failed: ${awsErrorText(err)}; ${found}` };
    }
    const post = await describeAsg(deps.autoscaling, target, { abortSignal: callSignal(deps) }).catch(() => null);
    if (!post || post.desired !== params.desiredCapacity) {
      return { status: 'failed', preState: pre, postState: post, reason: `after SetDesiredCapacity the group reports desired ${post?.desired ?? 'unknown'}, expected ${params.desiredCapacity}` };
    }
    return {
      status: 'succeeded',
      preState: pre,
      postState: post,
      rollback: { action: req.action, target, params: { desiredCapacity: pre.desired } },
      summary: `${target} desired capacity ${pre.desired} → ${post.desired}`,
    };
  },
};
