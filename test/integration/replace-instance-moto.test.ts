// replace-instance against a real moto_server (which launches instances at once): launch first,
// then terminate, so in-service capacity never drops; refusals for every unsafe start; dry run
// writes nothing; and AWS faults (through a fault-injecting proxy) end failed with a re-read,
// after a bounded number of attempts.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EXECUTOR_MAX_ATTEMPTS, executorAutoscaling } from '../../src/actions/executor-clients.ts';
import { replaceInstanceExecutor } from '../../src/actions/replace-instance.ts';
import { scaleAsgExecutor } from '../../src/actions/scale-asg.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/aws-fault-proxy.ts';
import { actionDecl, execRequest, noSecrets } from '../helpers/exec-request.ts';
import { asgInstanceIds, awsClientConfig, seedAsg, startMoto } from '../helpers/moto.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;
const decl = actionDecl({ executor: 'aws.autoscaling.replace-instance', targets: [{ asg: 'web-*', min: 2, max: 20, max_step: 1 }], rollback: 'none' });
const bounds = { min: 2, max: 20, maxStep: 1 };

describe.skipIf(skip)(`replace-instance executor against moto_server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const reader = new AutoScalingClient(awsClientConfig(url));
  const deps = { autoscaling: reader, timeoutMs: 5_000, launchWaitMs: 10_000, pollMs: 100, ...noSecrets };
  const group = async () => (await reader.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0];
  const request = (instanceId: string, over: { dryRun?: boolean; observed?: Record<string, number>; capacityNeverBelow?: number } = {}) =>
    execRequest({ action: 'replace-instance', target: 'web-asg', params: { instanceId, capacityNeverBelow: over.capacityNeverBelow ?? 4 }, bounds, decl, observed: over.observed ?? { desiredCapacity: 4, inService: 4 }, dryRun: over.dryRun ?? false });

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
    await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
  });
  afterAll(async () => {
    reader.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('launches a replacement, then terminates the instance: desired and in-service back to 4, no rollback', async () => {
    const before = await asgInstanceIds(url, 'web-asg');
    const victim = before[1]!;
    const r = await replaceInstanceExecutor.run(deps, request(victim));
    expect(r.status, JSON.stringify(r)).toBe('succeeded');
    if (r.status !== 'succeeded') return;
    expect(r.rollback).toBeNull();
    expect(r.summary).toContain(`${victim} replaced by i-`);
    expect(r.summary).toContain('no rollback: a terminated instance cannot be brought back');
    expect(r.preState).toMatchObject({ desired: 4, inService: 4 });
    expect(r.postState).toMatchObject({ desired: 4, inService: 4 });
    const after = await asgInstanceIds(url, 'web-asg');
    expect(after).not.toContain(victim);
    expect(after).toHaveLength(4);
    expect(after.filter((id) => !before.includes(id))).toHaveLength(1);
    expect((await group())?.DesiredCapacity).toBe(4);
  });

  it('in dry run checks everything and changes nothing', async () => {
    const before = await asgInstanceIds(url, 'web-asg');
    const r = await replaceInstanceExecutor.run(deps, request(before[0]!, { dryRun: true }));
    expect(r).toMatchObject({ status: 'succeeded', dryRun: true, rollback: null });
    expect(r.status === 'succeeded' && r.summary).toMatch(/^DRY RUN: would raise web-asg desired capacity 4 → 5/);
    expect(await asgInstanceIds(url, 'web-asg')).toEqual(before);
    expect((await group())?.DesiredCapacity).toBe(4);
  });

  it('refuses an instance that is not in the group, and a group at its MaxSize, saying why and writing nothing', async () => {
    const r = await replaceInstanceExecutor.run(deps, request('i-0123456789abcdef0'));
    expect(r).toMatchObject({ status: 'refused', stale: true });
    expect(r.status === 'refused' && r.reason).toMatch(/^instance i-0123456789abcdef0 is not in web-asg \(its members: i-/);
    await seedAsg(url, { name: 'web-full', min: 1, max: 3, desired: 3 });
    const full = await asgInstanceIds(url, 'web-full');
    const r2 = await replaceInstanceExecutor.run(deps, { ...request(full[0]!, { observed: { desiredCapacity: 3 }, capacityNeverBelow: 3 }), target: 'web-full' });
    expect(r2.status === 'refused' && r2.reason).toBe(`web-full is at its MaxSize (3): the replacement is launched before ${full[0]} is terminated, which needs room for one more instance (raise MaxSize to 4 for the replacement, or replace it by hand)`);
    expect((await group())?.DesiredCapacity).toBe(4);
    expect(await asgInstanceIds(url, 'web-full')).toEqual(full);
  });

  it('refuses when the group changed since the diagnosis', async () => {
    const ids = await asgInstanceIds(url, 'web-asg');
    const r = await replaceInstanceExecutor.run(deps, request(ids[0]!, { observed: { desiredCapacity: 3 } }));
    expect(r).toMatchObject({ status: 'refused', stale: true, reason: 'target changed since proposal: desired capacity is 4, the diagnosis saw 3' });
  });

  describe('when AWS fails', () => {
    let proxy: FaultProxy;
    let client: AutoScalingClient;
    beforeEach(async () => {
      proxy = await startFaultProxy(url);
      // The executors' own client (bounded attempts), built like execute.ts builds it.
      const base = new AutoScalingClient({ ...awsClientConfig(proxy.url), maxAttempts: undefined });
      client = executorAutoscaling(base);
    });
    afterAll(async () => { await proxy?.close(); });

    it('a throttled SetDesiredCapacity (scale-asg) is tried at most EXECUTOR_MAX_ATTEMPTS times and ends failed with the re-read state', async () => {
      proxy.fail('SetDesiredCapacity', 'throttling');
      const r = await scaleAsgExecutor.run({ ...deps, autoscaling: client }, execRequest({ target: 'web-asg', params: { desiredCapacity: 6 }, observed: { desiredCapacity: 4 } }));
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.reason).toBe('SetDesiredCapacity failed: Throttling (HTTP 400): Rate exceeded; group now reports desired capacity 4');
      expect(proxy.calls('SetDesiredCapacity')).toBe(EXECUTOR_MAX_ATTEMPTS);
      expect((await group())?.DesiredCapacity).toBe(4);
      await proxy.close();
    });

    it('a 500 on the launch (replace-instance) ends failed before anything is terminated', async () => {
      proxy.fail('SetDesiredCapacity', 'internal');
      const ids = await asgInstanceIds(url, 'web-asg');
      const r = await replaceInstanceExecutor.run({ ...deps, autoscaling: client }, request(ids[0]!));
      expect(r.status === 'failed' && r.reason).toBe(`SetDesiredCapacity 5 (launching the replacement) failed: InternalFailure (HTTP 500): We encountered an internal error. Please try again.; ${ids[0]} was not terminated; the group now reports desired 4, 4 in service, ${ids[0]} InService`);
      expect(proxy.calls('SetDesiredCapacity')).toBe(EXECUTOR_MAX_ATTEMPTS);
      expect(proxy.calls('TerminateInstanceInAutoScalingGroup')).toBe(0);
      await proxy.close();
    });

    it('a throttled terminate (replace-instance) ends failed, saying capacity is one higher and the instance still in service', async () => {
      proxy.fail('TerminateInstanceInAutoScalingGroup', 'throttling');
      const ids = await asgInstanceIds(url, 'web-asg');
      const r = await replaceInstanceExecutor.run({ ...deps, autoscaling: client }, request(ids[2]!));
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.reason).toMatch(new RegExp(`^TerminateInstanceInAutoScalingGroup ${ids[2]} failed after the replacement \\(i-[0-9a-f]+\\) came into service: Throttling \\(HTTP 400\\): Rate exceeded; the group now reports desired 5, 5 in service, ${ids[2]} InService$`));
      expect(proxy.calls('TerminateInstanceInAutoScalingGroup')).toBe(EXECUTOR_MAX_ATTEMPTS);
      expect((await group())?.DesiredCapacity).toBe(5);
      await proxy.close();
    });
  });
});
