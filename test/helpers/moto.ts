// A real moto_server per test file, on its own free port, stopped by PID. Tests talk to it with the
// real AWS SDK clients, so request/response shapes are exercised for real. moto does not enforce
// what AWS does (group min/max, unknown names → HTTP 500): the bot's own guards have their own tests.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { freePort } from './ports.ts';
import { findProgram, missingPeer, pyenvShim } from './processes.ts';

export interface Moto {
  url: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'moto_server not found (install it with `pip install "moto[server]==5.2.1"`, or put $HOME/.pyenv/shims on PATH)';

export function findMotoServer(): string | null {
  // A clean environment lacks the pyenv shims on PATH: try them directly.
  return findProgram('moto_server', [pyenvShim('moto_server')]);
}

export interface MotoOptions {
  /**
   * Record every request moto receives to this file (moto's recorder, on from the start), so a
   * test can count the calls that reached AWS: see `recordedCalls`.
   */
  recordTo?: string;
}

export async function startMoto(opts: MotoOptions = {}): Promise<Moto | { skip: string }> {
  const bin = findMotoServer();
  // CI must prove the AWS paths against moto; missingPeer throws there instead of skipping.
  if (!bin) return missingPeer(INSTALL_HINT);
  // The free port is found then released, so another process may grab it first: retry a few times.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const recording = opts.recordTo ? { MOTO_ENABLE_RECORDING: 'true', MOTO_RECORDER_FILEPATH: opts.recordTo } : {};
    const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...recording } });
    let stderr = '';
    // Werkzeug logs every request to stderr; keep only the tail for error messages, and keep draining.
    child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(url, child, () => stderr);
    } catch (err) {
      lastError = err;
      await killChild(child);
      continue;
    }
    // If the test runner dies without afterAll, do not leave a server holding the port.
    const onExit = () => { if (child.pid && child.exitCode === null) signal(child.pid, 'SIGKILL'); };
    process.once('exit', onExit);
    return {
      url,
      async reset() {
        const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
        if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
      },
      async stop() {
        process.off('exit', onExit);
        await killChild(child);
      },
    };
  }
  throw new Error(`moto_server did not start: ${String(lastError)}`);
}

export function awsClientConfig(url: string) {
  return {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // The SDK retries 5xx; tests that expect an error must see it at once.
    maxAttempts: 1,
  };
}

export async function seedAsg(url: string, g: { name: string; min: number; max: number; desired: number }): Promise<void> {
  const client = new AutoScalingClient(awsClientConfig(url));
  try {
    const lc = `${g.name}-lc`;
    await client.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: lc, ImageId: 'ami-12c6146b', InstanceType: 't3.micro' }));
    await client.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: g.name,
      LaunchConfigurationName: lc,
      MinSize: g.min,
      MaxSize: g.max,
      DesiredCapacity: g.desired,
      AvailabilityZones: ['us-east-1a'],
    }));
  } finally {
    client.destroy();
  }
}

/**
 * One CPUUtilization datapoint per value, a minute apart and ending ~30 s ago, so all of them fall
 * inside a 15-minute window read right after. Each value is both the Average and the Maximum of its
 * minute, which is what lets tests assert exact numbers.
 */
export async function putCpu(url: string, asgName: string, values: number[], now = new Date()): Promise<void> {
  if (values.length > 14) throw new Error('putCpu: at most 14 values fit a 15-minute window one minute apart');
  const client = new CloudWatchClient(awsClientConfig(url));
  try {
    await client.send(new PutMetricDataCommand({
      Namespace: 'AWS/EC2',
      MetricData: values.map((v, i) => ({
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: asgName }],
        Timestamp: new Date(now.getTime() - 30_000 - (values.length - 1 - i) * 60_000),
        Value: v,
        Unit: 'Percent',
      })),
    }));
  } finally {
    client.destroy();
  }
}

/**
 * The AWS API calls moto has recorded (started with `recordTo`) whose action is `action`, e.g.
 * 'SetDesiredCapacity', as the decoded request bodies: the proof of how often a change reached AWS.
 */
export async function recordedCalls(url: string, action: string): Promise<string[]> {
  const res = await fetch(`${url}/moto-api/recorder/download-recording`);
  if (!res.ok) throw new Error(`moto recorder answered ${res.status}`);
  const calls: string[] = [];
  for (const line of (await res.text()).split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { headers?: Record<string, string>; body?: string | null; body_encoded?: boolean };
    const body = r.body && r.body_encoded ? Buffer.from(r.body, 'base64').toString('utf8') : (r.body ?? '');
    // Query protocol names the action in the form body; JSON protocols in X-Amz-Target.
    const target = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    if (new URLSearchParams(body).get('Action') === action || target.endsWith(`.${action}`)) calls.push(body);
  }
  return calls;
}

async function waitForHttp(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}): ${stderr().slice(-1000)}`);
    }
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms: ${stderr().slice(-1000)}`);
}

/** SIGTERM by PID, SIGKILL if it lingers; resolves once the process is gone. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  signal(pid, 'SIGTERM');
  const timer = setTimeout(() => { if (child.exitCode === null) signal(pid, 'SIGKILL'); }, 3000);
  await exited;
  clearTimeout(timer);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH): exactly what we wanted
  }
}

export interface MetricToPut {
  namespace: string;
  metric: string;
  /**
   * In the order the collector queries them: moto matches dimensions in order (real CloudWatch does
   * not), so a differently ordered put would silently not be found.
   */
  dimensions: Record<string, string>;
  unit?: StandardUnit;
}

/**
 * One datapoint of any metric per value, a minute apart and ending ~30 s before `now`, like putCpu:
 * each value is the Average, Maximum and Sum of its minute, so tests can assert exact numbers.
 */
export async function putMetric(url: string, m: MetricToPut, values: number[], now = new Date()): Promise<void> {
  if (values.length > 14) throw new Error('putMetric: at most 14 values fit a 15-minute window one minute apart');
  const client = new CloudWatchClient(awsClientConfig(url));
  try {
    await client.send(new PutMetricDataCommand({
      Namespace: m.namespace,
      MetricData: values.map((v, i) => ({
        MetricName: m.metric,
        Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Timestamp: new Date(now.getTime() - 30_000 - (values.length - 1 - i) * 60_000),
        Value: v,
        ...(m.unit ? { Unit: m.unit } : {}),
      })),
    }));
  } finally {
    client.destroy();
  }
}

/** The ids of a group's instances as moto reports them, in its order. */
export async function asgInstanceIds(url: string, name: string): Promise<string[]> {
  const client = new AutoScalingClient(awsClientConfig(url));
  try {
    const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '?');
  } finally {
    client.destroy();
  }
}
