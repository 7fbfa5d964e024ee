// The scaling-activities collector, and the capacity rules end to end through runDiagnosis, with the
// real AWS SDK. moto 5.2.1 answers DescribeScalingActivities with an empty list whatever happened
// (moto/autoscaling/responses.py: `describe_scaling_activities` returns `{"Activities": []}`), so:
// - against moto directly, the request is proved well-formed and the empty answer handled;
// - the parsing, pagination and time-window logic are proved against a small local server that
//   speaks the Auto Scaling Query protocol (form-encoded POST in, XML out) with captured-looking
//   activities, and forwards every other action to moto, so the rules see a real group, real CPU
//   and the activities a real AWS account would show.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { Diagnosis } from '../../src/domain/diagnosis.ts';
import { describeRecentActivities } from '../../src/diagnosis/collectors/scaling-activities.ts';
import { runDiagnosis, type DiagnoseRequest, type DiagnosisDeps } from '../../src/diagnosis/engine.ts';
import { diagnoseRequest } from '../helpers/diagnose-request.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

interface FakeActivity {
  id: string; group?: string; status: string; description: string; cause: string;
  start: Date; end?: Date; progress?: number; message?: string;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const member = (a: FakeActivity) => `
      <member>
        <ActivityId>${xml(a.id)}</ActivityId>
        <AutoScalingGroupName>${xml(a.group ?? 'web-asg')}</AutoScalingGroupName>
        <AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:autoScalingGroupName/${xml(a.group ?? 'web-asg')}</AutoScalingGroupARN>
        <Description>${xml(a.description)}</Description>
        <Cause>${xml(a.cause)}</Cause>
        <StartTime>${a.start.toISOString()}</StartTime>${a.end ? `
        <EndTime>${a.end.toISOString()}</EndTime>` : ''}
        <StatusCode>${a.status}</StatusCode>${a.message ? `
        <StatusMessage>${xml(a.message)}</StatusMessage>` : ''}
        <Progress>${a.progress ?? (a.end ? 100 : 30)}</Progress>
        <Details>{"Subnet ID":"subnet-0a1b2c3d","Availability Zone":"us-east-1a"}</Details>
      </member>`;
const page = (activities: FakeActivity[], next?: string) => `<?xml version="1.0" encoding="UTF-8"?>
<DescribeScalingActivitiesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeScalingActivitiesResult>${next ? `
    <NextToken>${next}</NextToken>` : ''}
    <Activities>${activities.map(member).join('')}
    </Activities>
  </DescribeScalingActivitiesResult>
  <ResponseMetadata>
    <RequestId>7a641adc-84c5-11e1-a8a5-217ebEXAMPLE</RequestId>
  </ResponseMetadata>
</DescribeScalingActivitiesResponse>`;
const ACCESS_DENIED = `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:sts::123456789012:assumed-role/infra-agent/bot is not authorized to perform: autoscaling:DescribeScalingActivities</Message>
  </Error>
  <RequestId>9b2d4c1e-0000-4000-8000-EXAMPLE</RequestId>
</ErrorResponse>`;

interface QueryServer {
  url: string;
  /** Form parameters of every DescribeScalingActivities request received. */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

/**
 * Answers DescribeScalingActivities with `pages` (keyed by the request's NextToken, '' for the first)
 * or with AccessDenied; forwards every other Query action to `forward` (moto) unchanged.
 */
async function queryServer(pages: Record<string, string> | 'denied', forward?: string): Promise<QueryServer> {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const params = new URLSearchParams(body);
      if (params.get('Action') !== 'DescribeScalingActivities') {
        if (!forward) { res.writeHead(400).end(); return; }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
        const up = await fetch(`${forward}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body });
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/xml' }).end(Buffer.from(await up.arrayBuffer()));
        return;
      }
      requests.push(params);
      if (pages === 'denied') { res.writeHead(403, { 'content-type': 'text/xml' }).end(ACCESS_DENIED); return; }
      const answer = pages[params.get('NextToken') ?? ''];
      if (answer === undefined) { res.writeHead(400, { 'content-type': 'text/xml' }).end(); return; }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(answer);
    })().catch(() => res.writeHead(502).end());
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const minutesAgo = (now: Date, m: number) => new Date(now.getTime() - m * 60_000);
const scaleOut = (now: Date, id: string, endedMinutesAgo: number, from: number, to: number): FakeActivity => ({
  id, status: 'Successful', description: `Launching a new EC2 instance: i-0${id}`,
  cause: `At ${minutesAgo(now, endedMinutesAgo + 2).toISOString().replace(/\.\d+Z$/, 'Z')} a monitor alarm web-HighCPU in state ALARM triggered policy web-out changing the desired capacity from ${from} to ${to}.  At ${minutesAgo(now, endedMinutesAgo + 2).toISOString().replace(/\.\d+Z$/, 'Z')} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${to}.`,
  start: minutesAgo(now, endedMinutesAgo + 2), end: minutesAgo(now, endedMinutesAgo),
});

describe('scaling activities: local Query-protocol server (parsing, pagination, window)', () => {
  const servers: QueryServer[] = [];
  const clients: AutoScalingClient[] = [];
  const serve = async (pages: Record<string, string> | 'denied') => {
    const s = await queryServer(pages);
    servers.push(s);
    const client = new AutoScalingClient(awsClientConfig(s.url));
    clients.push(client);
    return { s, client };
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.close();
  });

  it('parses every field the SDK gives, unfinished ones without an end time', async () => {
    const now = new Date('2025-03-04T10:00:00.000Z');
    const running: FakeActivity = { id: 'run-1', status: 'PreInService', description: 'Launching a new EC2 instance: i-0run', progress: 30,
      cause: 'At 2025-03-04T09:58:00Z a user request explicitly set group desired capacity changing the desired capacity from 4 to 5.', start: minutesAgo(now, 2) };
    const failed: FakeActivity = { ...scaleOut(now, 'fail-1', 10, 3, 4), status: 'Failed', message: "We currently do not have sufficient t3.micro capacity in the Availability Zone you requested (us-east-1a)." };
    const { s, client } = await serve({ '': page([running, failed]) });
    const r = await describeRecentActivities(client, 'web-asg', { now });
    expect(r).toEqual({
      asOf: '2025-03-04T10:00:00.000Z', windowMinutes: 60, truncated: false,
      activities: [
        { id: 'run-1', statusCode: 'PreInService', statusMessage: null, description: 'Launching a new EC2 instance: i-0run', cause: running.cause,
          startTime: '2025-03-04T09:58:00.000Z', endTime: null, progress: 30 },
        { id: 'fail-1', statusCode: 'Failed', statusMessage: failed.message, description: 'Launching a new EC2 instance: i-0fail-1', cause: failed.cause,
          startTime: '2025-03-04T09:48:00.000Z', endTime: '2025-03-04T09:50:00.000Z', progress: 100 },
      ],
    });
    expect(Object.fromEntries(s.requests[0] ?? [])).toEqual({ Action: 'DescribeScalingActivities', Version: '2011-01-01', AutoScalingGroupName: 'web-asg', MaxRecords: '100' });
  });

  it('follows NextToken, stops at the first page older than the window, and keeps a long activity that ended inside it', async () => {
    const now = new Date('2025-03-04T10:00:00.000Z');
    const long: FakeActivity = { ...scaleOut(now, 'long', 50, 2, 3), start: minutesAgo(now, 70) }; // started before the window, ended inside
    const old = scaleOut(now, 'old', 80, 1, 2);
    const { s, client } = await serve({
      '': page([scaleOut(now, 'p1a', 5, 5, 6), scaleOut(now, 'p1b', 20, 4, 5)], 'tok-2'),
      'tok-2': page([scaleOut(now, 'p2a', 40, 3, 4), long, old], 'tok-3'),
      'tok-3': page([scaleOut(now, 'never', 200, 0, 1)]),
    });
    const r = await describeRecentActivities(client, 'web-asg', { now });
    expect(r.activities.map((a) => a.id)).toEqual(['p1a', 'p1b', 'p2a', 'long']);
    expect(r.truncated).toBe(false);
    expect(s.requests.map((p) => p.get('NextToken'))).toEqual([null, 'tok-2']); // page 3 is never asked for
  });

  it('caps the number of pages and says the read was truncated', async () => {
    const now = new Date('2025-03-04T10:00:00.000Z');
    const { s, client } = await serve({
      '': page([scaleOut(now, 'a', 1, 5, 6)], 't2'),
      t2: page([scaleOut(now, 'b', 2, 4, 5)], 't3'),
      t3: page([scaleOut(now, 'c', 3, 3, 4)], 't4'),
    });
    const r = await describeRecentActivities(client, 'web-asg', { now, maxPages: 2 });
    expect(r).toMatchObject({ truncated: true });
    expect(r.activities.map((a) => a.id)).toEqual(['a', 'b']);
    expect(s.requests).toHaveLength(2);
  });

  it("uses the window it is given and drops another group's activities", async () => {
    const now = new Date('2025-03-04T10:00:00.000Z');
    const { client } = await serve({ '': page([{ ...scaleOut(now, 'other', 1, 1, 2), group: 'api-asg' }, scaleOut(now, 'mine', 25, 2, 3), scaleOut(now, 'older', 45, 1, 2)]) });
    const r = await describeRecentActivities(client, 'web-asg', { now, windowMinutes: 30 });
    expect(r.windowMinutes).toBe(30);
    expect(r.activities.map((a) => a.id)).toEqual(['mine']);
  });

  it('surfaces an AWS error (AccessDenied) as a rejection for the engine to turn into a value', async () => {
    const { client } = await serve('denied');
    await expect(describeRecentActivities(client, 'web-asg', { now: new Date() })).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringMatching(/not authorized to perform: autoscaling:DescribeScalingActivities/) });
  });
});

const alert = (name: string, asg: string): NormalizedAlert => ({
  source: 'alertmanager', fingerprint: 'f1', status: 'firing', name, severity: 'warning',
  labels: { alertname: name, autoscaling_group: asg }, annotations: {}, startsAt: new Date(), endsAt: null, link: null, groupKey: 'g',
});
const req = (rule: string, alertName: string, asg: string, over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  rule, alert: alert(alertName, asg),
  bounds: (action, target) => (action === 'scale-asg' && target.startsWith('web-') ? { min: 2, max: 20, maxStep: 10 } : null),
  ...over,
});
const sig = (d: Diagnosis, id: string) => d.signals.find((s) => s.id === id);

describe.skipIf(skip)(`scaling activities and the capacity rules against moto_server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const cloudwatch = new CloudWatchClient(awsClientConfig(url));
  const deps: DiagnosisDeps = { autoscaling, cloudwatch, collectorTimeoutMs: 5000 };
  const servers: QueryServer[] = [];
  const clients: AutoScalingClient[] = [];
  /** Deps whose Auto Scaling client sees moto's groups plus these activities. */
  const withActivities = async (pages: Record<string, string> | 'denied'): Promise<DiagnosisDeps> => {
    const s = await queryServer(pages, url);
    servers.push(s);
    const client = new AutoScalingClient(awsClientConfig(s.url));
    clients.push(client);
    return { ...deps, autoscaling: client };
  };

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(async () => {
    autoscaling.destroy();
    cloudwatch.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('moto accepts the request and answers no activities, even after a scaling change', async () => {
    await seedAsg(url, { name: 'web-asg', min: 1, max: 10, desired: 4 });
    const now = new Date();
    expect(await describeRecentActivities(autoscaling, 'web-asg', { now })).toEqual({ asOf: now.toISOString(), windowMinutes: 60, activities: [], truncated: false });
  });

  describe('capacity-ceiling', () => {
    it('escalates for a saturated group at its MaxSize, read from moto', async () => {
      await seedAsg(url, { name: 'web-full', min: 1, max: 3, desired: 3 });
      await putCpu(url, 'web-full', [90, 95, 97]);
      const d = await runDiagnosis(deps, req('capacity-ceiling', 'AsgAtMaxCapacity', 'web-full'));
      expect(d).toMatchObject({ rule: 'capacity-ceiling', candidate: null, recommendation: 'escalate', risk: 'high' });
      expect(d.hypothesis).toBe('web-full is CPU-saturated (average 94% > 80%) and has hit its capacity ceiling; escalate to a human.');
      expect(d.reasoning).toContain("The group cannot grow past 3: the group's own MaxSize (3) is reached.");
      expect(d.reasoning).toContain('No scaling activity in the last 60 minutes: capacity has not changed for at least 60 minutes.');
      expect(sig(d, 'scaling-activities')).toMatchObject({ value: 0 });
      expect(sig(d, 'scaling-activities')).not.toHaveProperty('error');
      expect(sig(d, 'max-size')).toMatchObject({ value: 3 });
      expect(d.hypotheses.length).toBe(4);
    });

    it('says how long the group has been at its ceiling from the activities', async () => {
      await seedAsg(url, { name: 'web-full', min: 1, max: 10, desired: 10 });
      await putCpu(url, 'web-full', [40, 45, 50]);
      const now = new Date();
      const d = await runDiagnosis({ ...(await withActivities({ '': page([{ ...scaleOut(now, 'x1', 12, 8, 10), group: 'web-full' }]) })), now: () => now },
        req('capacity-ceiling', 'AsgAtMaxCapacity', 'web-full'));
      expect(d).toMatchObject({ recommendation: 'escalate', risk: 'low' });
      expect(d.reasoning.join(' ')).toMatch(/The last successful scale-out \(8 → 10\) ended 12 minutes ago \(.*\): the group has been at 10 for about 12 minutes\./);
      expect(sig(d, 'scaling-activities')).toMatchObject({ value: 1 });
    });

    it('recommends no action with the headroom in numbers when the group can grow', async () => {
      await seedAsg(url, { name: 'web-asg', min: 1, max: 10, desired: 4 });
      await putCpu(url, 'web-asg', [40, 45, 50]);
      const d = await runDiagnosis(deps, req('capacity-ceiling', 'AsgAtMaxCapacity', 'web-asg'));
      expect(d).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low' });
      expect(d.hypothesis).toBe("web-asg is not at its capacity ceiling: desired 4, ceiling 10 (the group's own MaxSize), 6 instances of headroom; no action recommended.");
    });
  });

  describe('low-utilisation', () => {
    it('proposes a bounded scale-in from real readings', async () => {
      await seedAsg(url, { name: 'web-asg', min: 1, max: 12, desired: 6 });
      await putCpu(url, 'web-asg', [15, 17, 19]);
      const d = await runDiagnosis(deps, req('low-utilisation', 'LowCPU', 'web-asg'));
      // ceil(6 × 17 / 50) = 3, above the policy minimum 2 and within the max step of 10
      expect(d.candidate).toEqual({
        action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 3 },
        expectedEffect: '3 instances should bring average CPU to ~34%',
        observed: { desiredCapacity: 6, minSize: 1, maxSize: 12 },
      });
      expect(sig(d, 'cpu-avg')).toMatchObject({ value: 17, threshold: 20, comparison: '<', breached: true });
      expect(sig(d, 'scaling-activities')).toMatchObject({ value: 0 });
      expect(d.hypotheses.map((h) => h.statement)).toContain('A broken upstream (load balancer, DNS, a failed deploy upstream) sends no traffic: scaling in would hide an outage.');
    });

    it('does not scale in right after a scale-out', async () => {
      await seedAsg(url, { name: 'web-asg', min: 1, max: 12, desired: 6 });
      await putCpu(url, 'web-asg', [15, 17, 19]);
      const now = new Date();
      const d = await runDiagnosis({ ...(await withActivities({ '': page([scaleOut(now, 'x2', 10, 3, 6)]) })), now: () => now }, req('low-utilisation', 'LowCPU', 'web-asg'));
      expect(d).toMatchObject({ candidate: null, recommendation: 'no-action' });
      expect(d.reasoning.join(' ')).toMatch(/scale-out 3 → 6 \(Successful, ended 10 min ago\)\. Capacity was just added for a reason; removing it now would oscillate\./);
    });

    it('does not scale in when the activities are denied, and shows the signal as unavailable', async () => {
      await seedAsg(url, { name: 'web-asg', min: 1, max: 12, desired: 6 });
      await putCpu(url, 'web-asg', [15, 17, 19]);
      const d = await runDiagnosis(await withActivities('denied'), req('low-utilisation', 'LowCPU', 'web-asg'));
      expect(d.candidate).toBeNull();
      expect(sig(d, 'scaling-activities')).toMatchObject({ value: null, error: expect.stringMatching(/^DescribeScalingActivities: AccessDenied: User: .* not authorized/) });
      expect(sig(d, 'desired-capacity')).toMatchObject({ value: 6 }); // the other reads still went through the proxy to moto
      expect(d.confidence).toBeLessThanOrEqual(0.6);
    });
  });

  describe('cpu-saturation', () => {
    it('lowers its confidence when a scale-out is already in progress', async () => {
      await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
      await putCpu(url, 'web-asg', [90, 95, 97]);
      const now = new Date();
      const quiet = await runDiagnosis({ ...deps, now: () => now }, req('cpu-saturation', 'HighCPU', 'web-asg', { settings: { target_cpu: 60, threshold_cpu: 80 } }));
      const running: FakeActivity = { id: 'r1', status: 'InProgress', description: 'Launching a new EC2 instance: i-0r1', progress: 20, start: minutesAgo(now, 1),
        cause: 'At 2025-03-04T09:59:00Z a monitor alarm web-HighCPU in state ALARM triggered policy web-out changing the desired capacity from 3 to 4.' };
      const d = await runDiagnosis({ ...(await withActivities({ '': page([running]) })), now: () => now }, req('cpu-saturation', 'HighCPU', 'web-asg', { settings: { target_cpu: 60, threshold_cpu: 80 } }));
      expect(d.reasoning).toContain('A scale-out is in progress (scale-out 3 → 4 (InProgress, started 1 min ago, 20% done)): capacity is already being added, so CPU may fall without another change.');
      expect(d.confidence).toBeLessThan(quiet.confidence);
      expect(d.candidate?.params).toEqual(quiet.candidate?.params); // same sizing: the human decides with the caveat in view
      expect(sig(quiet, 'scaling-activities')).toMatchObject({ value: 0 });
      expect(sig(d, 'scaling-activities')).toMatchObject({ value: 1 });
    });
  });
});
