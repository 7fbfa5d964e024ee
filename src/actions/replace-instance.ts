import { setTimeout as sleep } from 'node:timers/promises';
import { SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import { findGroup } from '../diagnosis/collectors/autoscaling.ts';
import { awsErrorText, callSignal, type ExecutorDeps, type Executor } from './executor.ts';
import { newInService, replaceRefusals, type GroupSnapshot } from './replace-instance-checks.ts';

export const ReplaceInstanceParams = z
  .object({
    instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id such as i-0123456789abcdef0' }),
    // The in-service count the replacement must never go below (the diagnosis saw this many).
    capacityNeverBelow: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();
export type ReplaceInstanceParams = z.infer<typeof ReplaceInstanceParams>;

/**
 * Bounded so a run ends well inside the execution job's expiry (jobs/queue.ts): past it the run
 * ends failed with the instance untouched and capacity one higher, which a person can finish.
 */
export const LAUNCH_WAIT_MS = 60_000;
const POLL_MS = 3_000;
const NO_ROLLBACK = 'no rollback: a terminated instance cannot be brought back';

async function snapshot(deps: ExecutorDeps, name: string): Promise<GroupSnapshot | null> {
  const g = await findGroup(deps.autoscaling, name, { abortSignal: callSignal(deps) });
  if (!g) return null;
  const members = (g.Instances ?? []).map((i) => ({ id: i.InstanceId ?? '?', lifecycle: i.LifecycleState ?? 'unknown', health: i.HealthStatus ?? 'unknown' }));
  return {
    name,
    desired: g.DesiredCapacity ?? 0,
    min: g.MinSize ?? 0,
    max: g.MaxSize ?? 0,
    inService: members.filter((m) => m.lifecycle === 'InService').length,
    members,
  };
}

function describe(g: GroupSnapshot | null, instanceId: string): string {
  if (!g) return 'the group could not be re-read';
  const victim = g.members.find((m) => m.id === instanceId);
  return `the group now reports desired ${g.desired}, ${g.inService} in service, ${instanceId} ${victim ? victim.lifecycle : 'no longer attached'}`;
}

/** Re-reads until the replacement is in service, the wait runs out, or the run is aborted. */
async function waitForReplacement(deps: ExecutorDeps, pre: GroupSnapshot): Promise<{ ok: true; group: GroupSnapshot; added: string[] } | { ok: false; group: GroupSnapshot | null; why: string }> {
  const waitMs = deps.launchWaitMs ?? LAUNCH_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let last: GroupSnapshot | null = null;
  for (;;) {
    try {
      last = await snapshot(deps, pre.name);
    } catch (err) {
      return { ok: false, group: last, why: `could not read the group while waiting: ${awsErrorText(err)}` };
    }
    const added = last ? newInService(pre, last) : [];
    if (last && last.inService >= pre.inService + 1 && added.length > 0) return { ok: true, group: last, added };
    if (Date.now() + (deps.pollMs ?? POLL_MS) > deadline) return { ok: false, group: last, why: `no new instance was in service within ${Math.round(waitMs / 1000)} s` };
    try {
      await sleep(deps.pollMs ?? POLL_MS, undefined, deps.signal ? { signal: deps.signal } : {});
    } catch {
      return { ok: false, group: last, why: 'the run was aborted while waiting for the new instance' };
    }
  }
}

// aws.autoscaling.replace-instance: launch first, then terminate, so in-service capacity never drops.
export const replaceInstanceExecutor: Executor<ReplaceInstanceParams> = {
  kind: 'aws.autoscaling.replace-instance',
  targets: 'asg',
  runbook: false,
  params: ReplaceInstanceParams,
  iam: {
    writes: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
    reads: ['autoscaling:DescribeAutoScalingGroups'],
    resourceArn: (pattern, s) => `arn:${s.partition}:autoscaling:${s.region}:${s.account}:autoScalingGroup:*:autoScalingGroupName/${pattern}`,
  },
  // Three reads, two writes, and the wait for the replacement.
  runLimitMs: (deps) => 5 * deps.timeoutMs + (deps.launchWaitMs ?? LAUNCH_WAIT_MS),
  async inspect(deps, { target }) {
    const g = await snapshot(deps, target);
    if (!g) return `${target} was not found`;
    return `${target} now reports desired ${g.desired}, ${g.inService} in service (${g.members.map((m) => `${m.id} ${m.lifecycle}`).join(', ') || 'no instances'})`;
  },
  async run(deps, req) {
    const { target, params } = req;
    const id = params.instanceId;
    const pre = await snapshot(deps, target);
    if (!pre) return { status: 'refused', preState: null, reason: `Auto Scaling group '${target}' not found` };
    const { reasons, stale } = replaceRefusals(pre, params, req.bounds, req.observed);
    if (reasons.length) return { status: 'refused', preState: pre, reason: reasons.join('; '), ...(stale ? { stale } : {}) };
    if (req.dryRun) {
      return {
        status: 'succeeded', dryRun: true, preState: pre, postState: pre, rollback: null,
        summary: `DRY RUN: would raise ${target} desired capacity ${pre.desired} → ${pre.desired + 1}, wait for the new instance, then terminate ${id} (desired back to ${pre.desired}); nothing was changed`,
      };
    }
    // 1. Launch first.
    try {
      await deps.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: target, DesiredCapacity: pre.desired + 1, HonorCooldown: false }), { abortSignal: callSignal(deps) });
    } catch (err) {
      const after = await snapshot(deps, target).catch(() => null);
      return { status: 'failed', preState: pre, postState: after, reason: `SetDesiredCapacity ${pre.desired + 1} (launching the replacement) failed: ${awsErrorText(err)}; ${id} was not terminated; ${describe(after, id)}` };
    }
    // 2. Wait until the replacement is in service.
    const waited = await waitForReplacement(deps, pre);
    if (!waited.ok) {
      return { status: 'failed', preState: pre, postState: waited.group, reason: `${waited.why}; ${id} was not terminated and desired capacity stays raised to ${pre.desired + 1} for a person to settle; ${describe(waited.group, id)}` };
    }
    // The invariant, checked on what was just read: after the termination, in service stays at or above the floor.
    const floor = params.capacityNeverBelow ?? pre.inService;
    if (waited.group.inService - 1 < floor) {
      return { status: 'failed', preState: pre, postState: waited.group, reason: `terminating ${id} would leave ${waited.group.inService - 1} in service, below ${floor}; it was not terminated; ${describe(waited.group, id)}` };
    }
    // 3. Terminate the instance, taking desired back to where it was.
    try {
      await deps.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true }), { abortSignal: callSignal(deps) });
    } catch (err) {
      const after = await snapshot(deps, target).catch(() => null);
      return { status: 'failed', preState: pre, postState: after, reason: `TerminateInstanceInAutoScalingGroup ${id} failed after the replacement (${waited.added.join(', ')}) came into service: ${awsErrorText(err)}; ${describe(after, id)}` };
    }
    const post = await snapshot(deps, target).catch(() => null);
    const victim = post?.members.find((m) => m.id === id);
    if (!post || (victim && victim.lifecycle === 'InService') || post.desired !== pre.desired) {
      return { status: 'failed', preState: pre, postState: post, reason: `after TerminateInstanceInAutoScalingGroup, ${describe(post, id)} (expected desired ${pre.desired} and ${id} leaving)` };
    }
    return {
      status: 'succeeded',
      preState: pre,
      postState: post,
      rollback: null,
      summary: `${target}: ${id} replaced by ${waited.added.join(', ')}; desired ${pre.desired} → ${pre.desired + 1} → ${post.desired}, ${post.inService} in service (${NO_ROLLBACK})`,
    };
  },
};
