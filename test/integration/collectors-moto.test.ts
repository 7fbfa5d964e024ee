// The instance, network and load balancer collectors and the unhealthy-instance rule against a real
// moto_server through the real AWS SDK clients. moto matches metric dimensions in order, so metrics
// are put with the dimensions in the order the collectors query them (see putMetric).
import { createServer, type Server, type Socket } from 'node:net';
import { AutoScalingClient, SetInstanceHealthCommand, SuspendProcessesCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/domain/diagnosis.ts';
import { describeAsg } from '../../src/diagnosis/collectors/autoscaling.ts';
import { describeAsgDetail, getInstanceCpu } from '../../src/diagnosis/collectors/instances.ts';
import { getTargetGroupStats } from '../../src/diagnosis/collectors/load-balancer.ts';
import { getAsgNetwork } from '../../src/diagnosis/collectors/network.ts';
import { runDiagnosis, type DiagnoseRequest, type DiagnosisDeps, type TargetGroupRef } from '../../src/diagnosis/engine.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';
import { asgInstanceIds, awsClientConfig, putMetric, seedAsg, startMoto } from '../helpers/moto.ts';
import { freePort } from '../helpers/ports.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const TG: TargetGroupRef = { loadBalancer: 'app/web-alb/50dc6c495c0c9188', targetGroup: 'targetgroup/web-tg/73e2d6bc24d8a067' };
const tgDims = { LoadBalancer: TG.loadBalancer, TargetGroup: TG.targetGroup };
const req = (labels: Record<string, string> = { autoscaling_group: 'web-asg' }, over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  rule: 'unhealthy-instance',
  alert: testAlert({ name: 'InstanceUnhealthy', labels }),
  candidates: ['replace-instance'],
  bounds: (action, target) => (action === 'replace-instance' && target.startsWith('web-') ? { min: 1, max: 10, maxStep: 1 } : null),
  targetGroup: (asg) => (asg === 'web-asg' ? TG : null),
  ...over,
});
const sig = (d: Diagnosis, id: string) => d.signals.find((s) => s.id === id);

describe.skipIf(skip)(`instance and traffic collectors against moto_server${skip ? ` — ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const cloudwatch = new CloudWatchClient(awsClientConfig(url));
  const deps: DiagnosisDeps = { autoscaling, cloudwatch, collectorTimeoutMs: 5000 };
  const cpu = (id: string, values: number[], now?: Date) =>
    putMetric(url, { namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { InstanceId: id }, unit: 'Percent' }, values, now);
  const alb = (metric: string, values: number[], dimensions: Record<string, string> = tgDims) =>
    putMetric(url, { namespace: 'AWS/ApplicationELB', metric, dimensions }, values);
  /** web-asg with 4 instances; the third runs hot, the others near 40%; the target group served 600 requests, 3 of them 5xx. */
  async function outlierScene(): Promise<string[]> {
    await seedAsg(url, { name: 'web-asg', min: 1, max: 10, desired: 4 });
    const ids = await asgInstanceIds(url, 'web-asg');
    await Promise.all([
      cpu(ids[0]!, [40, 40, 40]), cpu(ids[1]!, [42, 42, 42]), cpu(ids[2]!, [90, 95, 97]), cpu(ids[3]!, [38, 38, 38]),
      alb('TargetResponseTime', [0.1, 0.2, 0.3]), alb('HTTPCode_Target_5XX_Count', [1, 2]), alb('RequestCount', [100, 200, 300]),
      alb('RequestCountPerTarget', [25, 50, 75], { TargetGroup: TG.targetGroup }),
      putMetric(url, { namespace: 'AWS/EC2', metric: 'NetworkIn', dimensions: { AutoScalingGroupName: 'web-asg' } }, [6000, 6000, 6000]),
    ]);
    return ids;
  }

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
  });
  afterAll(async () => {
    autoscaling.destroy();
    cloudwatch.destroy();
    if ('stop' in moto) await moto.stop();
  });

  describe('collectors', () => {
    it('reads members, health, health check type and suspended processes as moto reports them', async () => {
      await seedAsg(url, { name: 'web-asg', min: 1, max: 10, desired: 4 });
      const ids = await asgInstanceIds(url, 'web-asg');
      const fresh = await describeAsgDetail(autoscaling, 'web-asg');
      expect(fresh).toMatchObject({ desired: 4, inService: 4, healthy: 4, healthCheckType: 'EC2', suspendedProcesses: [] });
      expect(fresh?.members).toEqual(ids.map((instanceId) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy', availabilityZone: 'us-east-1a' })));

      await autoscaling.send(new SetInstanceHealthCommand({ InstanceId: ids[1]!, HealthStatus: 'Unhealthy' }));
      await autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['ReplaceUnhealthy', 'AZRebalance'] }));
      const sick = await describeAsgDetail(autoscaling, 'web-asg');
      // moto keeps an Unhealthy instance InService (it never replaces it, see NOTES.md)
      expect(sick?.members[1]).toEqual({ instanceId: ids[1], lifecycleState: 'InService', healthStatus: 'Unhealthy', availabilityZone: 'us-east-1a' });
      expect(sick?.suspendedProcesses).toEqual(['AZRebalance', 'ReplaceUnhealthy']);
      // the capacity view the scale-asg executor uses is unchanged in shape
      expect(await describeAsg(autoscaling, 'web-asg')).toEqual({ name: 'web-asg', desired: 4, min: 1, max: 10, inService: 4, healthy: 3, instances: 4 });
      expect(await describeAsgDetail(autoscaling, 'no-such-asg')).toBeNull();
    });

    it('reads the CPU of each instance on its own', async () => {
      await cpu('i-0aaaaaaaaaaaaaaa1', [90, 95, 97]);
      await cpu('i-0aaaaaaaaaaaaaaa2', [40, 44]);
      await cpu('i-0bbbbbbbbbbbbbbb9', [99]); // not asked for: must not leak in
      const out = await getInstanceCpu(cloudwatch, ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'], { now: new Date() });
      expect(out['i-0aaaaaaaaaaaaaaa1']?.average).toBeCloseTo(94, 5);
      expect(out['i-0aaaaaaaaaaaaaaa1']?.datapoints).toBe(3);
      expect(out['i-0aaaaaaaaaaaaaaa2']).toEqual({ average: 42, datapoints: 2 });
      expect(out['i-0aaaaaaaaaaaaaaa3']).toEqual({ average: null, datapoints: 0 });
      expect(Object.keys(out)).toHaveLength(3);
    });

    it('turns NetworkIn/Out Sums over 5-minute periods into bytes per second', async () => {
      const now = new Date();
      const net = (metric: string, values: number[]) => putMetric(url, { namespace: 'AWS/EC2', metric, dimensions: { AutoScalingGroupName: 'web-asg' }, unit: 'Bytes' }, values, now);
      // one value a minute for 10 minutes: two full 5-minute periods
      await net('NetworkIn', Array(10).fill(6000)); // 30,000 bytes per period → 100 B/s each
      await net('NetworkOut', [600, 600, 600, 600, 600, 1800, 1800, 1800, 1800, 1800]); // 3,000 then 9,000 → 10 and 30 B/s
      const out = await getAsgNetwork(cloudwatch, 'web-asg', { now });
      expect(out.in).toEqual({ meanBytesPerSecond: 100, peakBytesPerSecond: 100, datapoints: 2 });
      expect(out.out).toEqual({ meanBytesPerSecond: 20, peakBytesPerSecond: 30, datapoints: 2 });
    });

    it('reads the target group metrics with the dimensions each is published under', async () => {
      await alb('TargetResponseTime', [0.1, 0.2, 0.3]);
      await alb('HTTPCode_Target_5XX_Count', [1, 2]);
      await alb('RequestCount', [100, 200, 300]);
      await alb('RequestCountPerTarget', [25, 50, 75], { TargetGroup: TG.targetGroup });
      await alb('RequestCount', [9999], { LoadBalancer: TG.loadBalancer, TargetGroup: 'targetgroup/other/1' });
      const out = await getTargetGroupStats(cloudwatch, TG, { now: new Date() });
      expect(out.responseTime.average).toBeCloseTo(0.2, 9);
      expect(out).toMatchObject({
        responseTime: { maximum: 0.3, datapoints: 3 }, target5xx: { sum: 3, datapoints: 2 },
        requests: { sum: 600, datapoints: 3 }, requestsPerTarget: { sum: 150, datapoints: 3 },
      });
    });
  });

  describe('unhealthy-instance through the engine', () => {
    it('finds the outlier from real readings and proposes replacing it without losing capacity', async () => {
      const ids = await outlierScene();
      const hot = ids[2]!;
      const d = await runDiagnosis(deps, req());
      expect(d.rule).toBe('unhealthy-instance');
      expect(d.candidate).toEqual({
        action: 'replace-instance', target: 'web-asg', params: { instanceId: hot, capacityNeverBelow: 4 },
        expectedEffect: `${hot} is replaced: a new instance is launched and in service before ${hot} is terminated, so in-service stays at 4; the new instance should run near its peers' median of 40%`,
        observed: { desiredCapacity: 4, inService: 4 },
      });
      // peers 40, 42, 38 → median 40; mean(90, 95, 97) = 94 → 54 points above
      expect(sig(d, `cpu-${hot}`)).toMatchObject({ value: 94, threshold: 70, breached: true, query: `CloudWatch AWS/EC2 CPUUtilization {InstanceId=${hot}} Average 60s` });
      expect(sig(d, `cpu-${ids[0]}`)).toMatchObject({ value: 40, breached: false });
      expect(d.reasoning.join(' ')).toContain(`${hot} averaged 94% CPU over the last 15m (3 datapoints), 54 points above its 3 peers' median of 40%`);
      expect(sig(d, 'lb-target-5xx')).toMatchObject({ value: 3, breached: true });
      expect(sig(d, 'lb-requests')).toMatchObject({ value: 600 });
      expect(sig(d, 'lb-requests-per-target')).toMatchObject({ value: 150 });
      expect(sig(d, 'lb-response-time-avg')).toMatchObject({ value: 200, unit: 'ms' });
      expect(sig(d, 'network-in')?.value).toBeGreaterThan(0);
      expect(d.signals.filter((s) => s.error !== undefined)).toEqual([]);
      expect(d.hypotheses[0]?.statement).toContain(hot);
      expect(d.hypotheses.length).toBe(4);
      expect(d).toMatchObject({ risk: 'low', confidence: 0.85 });
    });

    it('waits for Auto Scaling on an Unhealthy instance, and replaces it once ReplaceUnhealthy is suspended', async () => {
      const ids = await outlierScene();
      await autoscaling.send(new SetInstanceHealthCommand({ InstanceId: ids[1]!, HealthStatus: 'Unhealthy' }));
      const waiting = await runDiagnosis(deps, req());
      expect(waiting).toMatchObject({ candidate: null, recommendation: 'no-action' });
      expect(waiting.hypothesis).toBe(`${ids[1]} in web-asg is Unhealthy according to Auto Scaling, which will replace it by itself; no action from the bot is needed.`);
      expect(sig(waiting, 'unhealthy')).toMatchObject({ value: 1, breached: true });

      await autoscaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['ReplaceUnhealthy'] }));
      const replacing = await runDiagnosis(deps, req());
      expect(replacing.candidate).toMatchObject({ action: 'replace-instance', params: { instanceId: ids[1], capacityNeverBelow: 4 } });
      expect(replacing.reasoning.join(' ')).toContain('ReplaceUnhealthy is suspended, so Auto Scaling will not replace Unhealthy instances by itself.');
    });

    it('clears the instance the alert names when it is ordinary', async () => {
      const ids = await outlierScene();
      const d = await runDiagnosis(deps, req({ autoscaling_group: 'web-asg', instance: ids[0]! }));
      expect(d.candidate).toBeNull();
      expect(d.hypothesis).toBe(`Nothing is wrong with ${ids[0]} that a replacement would fix: it is Healthy and within 30 points of its peers.`);
      expect(d.reasoning.join(' ')).toContain(`However ${ids[2]} runs at 94%`);
    });

    it('turns a refused CloudWatch connection into unavailable signals with lower confidence, without throwing', async () => {
      await outlierScene();
      const healthy = await runDiagnosis(deps, req());
      const dead = new CloudWatchClient({ ...awsClientConfig(`http://127.0.0.1:${await freePort()}`), requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 } });
      try {
        const d = await runDiagnosis({ ...deps, cloudwatch: dead }, req());
        expect(sig(d, 'instance-cpu')).toMatchObject({ value: null, error: expect.stringMatching(/^CloudWatch GetMetricData \(instance CPU\): /) });
        expect(sig(d, 'network-in')?.error).toMatch(/^CloudWatch GetMetricData \(network\): /);
        expect(sig(d, 'lb-target-5xx')?.error).toMatch(/^CloudWatch GetMetricData \(load balancer\): /);
        expect(sig(d, 'in-service')).toMatchObject({ value: 4 }); // Auto Scaling was still read
        expect(d.candidate).toBeNull();
        expect(d.confidence).toBeLessThan(healthy.confidence);
        expect(d.confidence).toBeLessThanOrEqual(0.6);
        expect(d.riskFactors.join(' ')).toMatch(/\d+ signals unavailable/);
      } finally {
        dead.destroy();
      }
    });

    it('bounds a hanging Auto Scaling endpoint by the collector timeout', async () => {
      await outlierScene();
      const sockets: Socket[] = [];
      const black: Server = createServer((s) => void sockets.push(s)); // accepts, never answers
      const port = await new Promise<number>((r) => black.listen(0, '127.0.0.1', () => r((black.address() as { port: number }).port)));
      const hung = new AutoScalingClient(awsClientConfig(`http://127.0.0.1:${port}`));
      try {
        const t0 = Date.now();
        const d = await runDiagnosis({ ...deps, autoscaling: hung, collectorTimeoutMs: 300 }, req());
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(sig(d, 'in-service')?.error).toBe('DescribeAutoScalingGroups: timed out after 300 ms');
        expect(sig(d, 'lb-requests')).toMatchObject({ value: 600 }); // traffic was read in parallel
        expect(d.signals.some((s) => s.id.startsWith('cpu-'))).toBe(false); // no members, no per-instance read
        expect(d).toMatchObject({ candidate: null, confidence: 0.2 });
      } finally {
        hung.destroy();
        for (const s of sockets) s.destroy();
        black.close();
      }
    });
  });
});
