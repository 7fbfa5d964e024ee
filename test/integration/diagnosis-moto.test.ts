// Collectors and engine against a real moto_server through the real AWS SDK clients.
import { createServer, type Server, type Socket } from 'node:net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { Diagnosis } from '../../src/domain/diagnosis.ts';
import { describeAsg } from '../../src/diagnosis/collectors/autoscaling.ts';
import { getAsgCpu } from '../../src/diagnosis/collectors/cloudwatch.ts';
import { runDiagnosis, type DiagnoseRequest, type DiagnosisDeps } from '../../src/diagnosis/engine.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { freePort } from '../helpers/ports.ts';
import { diagnoseRequest } from '../helpers/diagnose-request.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const alert = (asg?: string): NormalizedAlert => ({
  source: 'alertmanager', fingerprint: 'f1', status: 'firing', name: 'HighCPU', severity: 'critical',
  labels: asg ? { alertname: 'HighCPU', autoscaling_group: asg } : { alertname: 'HighCPU' },
  annotations: {}, startsAt: new Date(), endsAt: null, link: null, groupKey: 'g',
});
const req = (asg?: string, over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  alert: alert(asg),
  bounds: (action, target) => (action === 'scale-asg' && target.startsWith('web-') ? { min: 2, max: 20, maxStep: 10 } : null),
  settings: { target_cpu: 60, threshold_cpu: 80 }, ...over,
});
const sig = (d: Diagnosis, id: string) => d.signals.find((s) => s.id === id);

describe.skipIf(skip)(`diagnosis against moto_server${skip ? ` — ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const cloudwatch = new CloudWatchClient(awsClientConfig(url));
  const deps: DiagnosisDeps = { autoscaling, cloudwatch, collectorTimeoutMs: 5000 };

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
  });
  afterAll(async () => {
    autoscaling.destroy();
    cloudwatch.destroy();
    if ('stop' in moto) await moto.stop();
  });

  describe('collectors', () => {
    it('reads capacity and instance health of a seeded group', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      expect(await describeAsg(autoscaling, 'web-asg')).toEqual({
        name: 'web-asg', desired: 4, min: 2, max: 10, inService: 4, healthy: 4, instances: 4,
      });
      expect(await describeAsg(autoscaling, 'no-such-asg')).toBeNull();
    });

    it('reads back the mean of Average and the max of Maximum over 15 minutes', async () => {
      await putCpu(url, 'web-asg', [90, 95, 97]);
      await putCpu(url, 'other-asg', [10, 10, 10]); // another dimension value must not leak in
      const stats = await getAsgCpu(cloudwatch, 'web-asg', { now: new Date() });
      expect(stats.average).toBeCloseTo(94, 5);
      expect(stats).toMatchObject({ maximum: 97, minAverage: 90, datapoints: 3 });
    });

    it('ignores datapoints older than the window', async () => {
      await putCpu(url, 'web-asg', [99], new Date(Date.now() - 30 * 60_000));
      await putCpu(url, 'web-asg', [85]);
      expect(await getAsgCpu(cloudwatch, 'web-asg', { now: new Date() })).toMatchObject({ average: 85, maximum: 85, datapoints: 1 });
    });
  });

  describe('engine', () => {
    it('diagnoses a saturated group and proposes a bounded scale-out from real readings', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      await putCpu(url, 'web-asg', [90, 95, 97]);
      const d = await runDiagnosis(deps, req('web-asg'));
      expect(d.rule).toBe('cpu-saturation');
      expect(d.signals.map((s) => [s.id, s.value, s.error])).toEqual([
        ['cpu-avg', 94, undefined], ['cpu-max', 97, undefined], ['desired-capacity', 4, undefined], ['min-size', 2, undefined],
        ['max-size', 10, undefined], ['in-service', 4, undefined], ['healthy', 4, undefined],
        // moto records no scaling activities and holds no network datapoints unless a test puts them
        ['scaling-activities', 0, undefined], ['network-in', null, undefined], ['network-out', null, undefined],
      ]);
      expect(sig(d, 'cpu-avg')).toMatchObject({ threshold: 80, comparison: '>', breached: true, window: '15m' });
      // ceil(4 × 94 / 60) = 7, inside the group's MaxSize 10 and the policy's max 20 / step 10
      expect(d.candidate).toEqual({
        action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 7 },
        expectedEffect: '7 instances should bring average CPU to ~53.7%',
        observed: { desiredCapacity: 4, minSize: 2, maxSize: 10 }, // read back from moto
      });
      expect(d.alternatives.length).toBeGreaterThanOrEqual(2);
      expect(d.confidence).toBeGreaterThan(0.6);
    });

    it('clamps to the group max read from moto and escalates at the ceiling', async () => {
      await seedAsg(url, { name: 'web-small', min: 1, max: 5, desired: 4 });
      await seedAsg(url, { name: 'web-full', min: 1, max: 3, desired: 3 });
      await putCpu(url, 'web-small', [90, 95, 97]);
      await putCpu(url, 'web-full', [90, 95, 97]);
      const small = await runDiagnosis(deps, req('web-small'));
      expect(small.candidate?.params).toEqual({ desiredCapacity: 5 });
      expect(small.reasoning.join(' ')).toMatch(/Capped from 7 to 5 by the group's own MaxSize \(5\)/);
      const full = await runDiagnosis(deps, req('web-full'));
      expect(full.candidate).toBeNull();
      expect(full).toMatchObject({ risk: 'high', hypothesis: expect.stringMatching(/capacity ceiling/) });
    });

    it('recommends nothing when the CPU read back is under threshold', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      await putCpu(url, 'web-asg', [40, 45, 50]);
      const d = await runDiagnosis(deps, req('web-asg'));
      expect(d.candidate).toBeNull();
      expect(d.hypothesis).toMatch(/back under threshold \(average 45%/);
      expect(d.risk).toBe('low');
    });

    it('says the group was not found', async () => {
      await putCpu(url, 'ghost-asg', [90, 95, 97]);
      const d = await runDiagnosis(deps, req('ghost-asg'));
      expect(d.candidate).toBeNull();
      expect(d.hypothesis).toMatch(/ghost-asg was not found/);
      expect(sig(d, 'desired-capacity')).toMatchObject({ value: null, error: expect.stringMatching(/no Auto Scaling group/) });
    });

    it('reports a group with no CPU datapoints as unavailable, not as healthy', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      const d = await runDiagnosis(deps, req('web-asg'));
      expect(d.candidate).toBeNull();
      expect(sig(d, 'cpu-avg')).toMatchObject({ value: null, error: expect.stringMatching(/no datapoints/) });
    });

    it('turns a refused CloudWatch connection into an error signal with lower confidence', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      await putCpu(url, 'web-asg', [90, 95, 97]);
      const healthy = await runDiagnosis(deps, req('web-asg'));
      const dead = new CloudWatchClient({ ...awsClientConfig(`http://127.0.0.1:${await freePort()}`), requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 } });
      const d = await runDiagnosis({ ...deps, cloudwatch: dead }, req('web-asg'));
      dead.destroy();
      expect(sig(d, 'cpu-avg')).toMatchObject({ value: null, breached: null, error: expect.stringMatching(/GetMetricData/) });
      expect(sig(d, 'desired-capacity')).toMatchObject({ value: 4 }); // the other collector still ran
      expect(d.candidate).toBeNull();
      expect(d.confidence).toBeLessThan(healthy.confidence);
    });

    it('bounds a hanging Auto Scaling endpoint by the collector timeout', async () => {
      await putCpu(url, 'web-asg', [90, 95, 97]);
      const sockets: Socket[] = [];
      const black: Server = createServer((s) => void sockets.push(s)); // accepts, never answers
      const port = await new Promise<number>((r) => black.listen(0, '127.0.0.1', () => r((black.address() as { port: number }).port)));
      const hung = new AutoScalingClient(awsClientConfig(`http://127.0.0.1:${port}`));
      try {
        const t0 = Date.now();
        const d = await runDiagnosis({ ...deps, autoscaling: hung, collectorTimeoutMs: 300 }, req('web-asg'));
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(sig(d, 'desired-capacity')?.error).toMatch(/timed out after 300 ms/);
        expect(sig(d, 'cpu-avg')).toMatchObject({ value: 94 });
        expect(d).toMatchObject({ candidate: null, risk: 'high' });
        expect(d.confidence).toBeLessThanOrEqual(0.6);
      } finally {
        hung.destroy();
        for (const s of sockets) s.destroy();
        black.close();
      }
    });

    it('rejects an unknown rule, naming the known ones', async () => {
      await expect(runDiagnosis(deps, req('web-asg', { rule: 'disk-full' }))).rejects.toThrow(/unknown diagnosis rule "disk-full" \(known: cpu-saturation, /);
      await expect(runDiagnosis(deps, req('web-asg', { rule: 'toString' }))).rejects.toThrow(/unknown diagnosis rule/);
    });

    it('makes no AWS call when the alert names no group', async () => {
      const d = await runDiagnosis(deps, req(undefined));
      expect(d.candidate).toBeNull();
      expect(d.signals).toEqual([]);
      expect(d.reasoning.join(' ')).toMatch(/no autoscaling_group label/);
    });
  });
});
