// The scale-asg executor against a real moto_server. moto accepts SetDesiredCapacity outside
// the group's min/max (real AWS does not), so these tests prove the bot's own guards.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { scaleAsgExecutor } from '../../src/actions/scale-asg.ts';
import { execRequest, noSecrets } from '../helpers/exec-request.ts';
import { awsClientConfig, seedAsg, startMoto } from '../helpers/moto.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;
const bounds = { min: 2, max: 20, maxStep: 6 };

describe.skipIf(skip)(`scale-asg executor against moto_server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const deps = { autoscaling, timeoutMs: 5_000, ...noSecrets };
  const desired = async () => (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0]?.DesiredCapacity;

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
    await seedAsg(url, { name: 'web-asg', min: 2, max: 10, desired: 4 });
  });
  afterAll(async () => {
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('scales within bounds and records pre/post state and the rollback', async () => {
    const r = await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 7 }, bounds, observed: { desiredCapacity: 4 } }));
    expect(r).toMatchObject({ status: 'succeeded', preState: { desired: 4, min: 2, max: 10 }, postState: { desired: 7 }, summary: 'web-asg desired capacity 4 → 7' });
    expect(r.status === 'succeeded' && r.rollback).toEqual({ action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 4 } });
    expect(await desired()).toBe(7);
  });

  it("refuses past the group's own max even though moto would accept it", async () => {
    const r = await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 10 + 1 }, bounds: { ...bounds, maxStep: 10 } }));
    expect(r).toMatchObject({ status: 'refused', reason: "desired capacity 11 is outside the group's own limits [2, 10]" });
    expect(await desired()).toBe(4);
  });

  it('refuses outside policy bounds and past max_step, listing every reason', async () => {
    const r = await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 1 }, bounds: { min: 2, max: 20, maxStep: 2 } }));
    expect(r.status).toBe('refused');
    expect(r.status === 'refused' && r.reason.split('; ')).toEqual([
      'desired capacity 1 is outside the policy bounds [2, 20]',
      'a step of 3 (from 4 to 1) exceeds the policy max_step 2',
      "desired capacity 1 is outside the group's own limits [2, 10]",
    ]);
    expect(await desired()).toBe(4);
  });

  it('refuses when the target changed since the diagnosis', async () => {
    const r = await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 6 }, bounds, observed: { desiredCapacity: 3 } }));
    expect(r).toMatchObject({ status: 'refused', reason: 'target changed since proposal: desired capacity is 4, the diagnosis saw 3' });
    expect(await desired()).toBe(4);
  });

  it('in dry run reads and checks everything but does not write, and offers no rollback', async () => {
    const r = await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 7 }, bounds, observed: { desiredCapacity: 4 }, dryRun: true }));
    expect(r).toMatchObject({ status: 'succeeded', dryRun: true, rollback: null, preState: { desired: 4 } });
    expect(r.status === 'succeeded' && r.summary).toMatch(/^DRY RUN: would set web-asg desired capacity 4 → 7/);
    expect(await desired()).toBe(4);
    // Preconditions still apply in dry run: a rehearsal that would be refused says so.
    expect((await scaleAsgExecutor.run(deps, execRequest({ target: 'web-asg', params: { desiredCapacity: 19 }, bounds, dryRun: true }))).status).toBe('refused');
  });

  it('refuses an unknown group without writing', async () => {
    expect(await scaleAsgExecutor.run(deps, execRequest({ target: 'web-nope', params: { desiredCapacity: 6 }, bounds }))).toEqual({ status: 'refused', preState: null, reason: "Auto Scaling group 'web-nope' not found" });
  });
});

describe('scale-asg executor when AWS fails the write', () => {
  // A stand-in endpoint: answers Describe with a group, then 500 on SetDesiredCapacity.
  let server: Server;
  let writes = 0;
  const describeXml = `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>web-asg</AutoScalingGroupName><DesiredCapacity>4</DesiredCapacity><MinSize>2</MinSize><MaxSize>10</MaxSize><Instances/><AvailabilityZones/><DefaultCooldown>300</DefaultCooldown><HealthCheckType>EC2</HealthCheckType><CreatedTime>2026-11-21T00:00:00Z</CreatedTime></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>`;
  afterAll(() => server?.close());

  it('ends as failed with the error and what a re-read found', async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (body.includes('Action=SetDesiredCapacity')) {
          writes++;
          res.writeHead(500, { 'content-type': 'text/xml' });
          return res.end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>boom</Message></Error></ErrorResponse>');
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(describeXml);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const autoscaling = new AutoScalingClient(awsClientConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    const r = await scaleAsgExecutor.run({ autoscaling, timeoutMs: 5_000, ...noSecrets }, execRequest({ target: 'web-asg', params: { desiredCapacity: 6 }, bounds }));
    expect(r.status).toBe('failed');
    expect(r.status === 'failed' && r.reason).toMatch(/^SetDesiredCapacity failed: .*; group now reports desired capacity 4$/);
    expect(writes).toBe(1);
    autoscaling.destroy();
  });
});
