// The policy tools as a user runs them: the real CLI in a child process, the shipped policy and
// its test cases, a real Alertmanager capture, and (when moto is installed) the IAM document
// handed to an IAM API to show it is accepted.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto } from '../helpers/moto.ts';
import type { Moto } from '../helpers/moto.ts';
import { findProgram, missingPeer, pyenvShim } from '../helpers/processes.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'bin/infra-agent.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return promisify(execFile)(process.execPath, ['--experimental-strip-types', cli, ...args], { cwd: root, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: Run) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

let tmp: string;

/** A copy of the shipped policy with the given case files in its tests/ directory. */
async function policyWithCases(name: string, cases: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  for (const file of (await readdir(path.join(root, 'policies'))).filter((f) => f.endsWith('.yml'))) {
    await copyFile(path.join(root, 'policies', file), path.join(dir, file));
  }
  for (const [file, text] of Object.entries(cases)) await writeFile(path.join(dir, 'tests', file), text);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'policy-tools-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const prodCase = (name: string, expect: string) => `
- name: ${name}
  alert: { alertname: HighCPU, labels: { env: prod, autoscaling_group: web-frontend } }
  params: { desiredCapacity: 8 }
  current: { desiredCapacity: 4 }
  state: { now: "2026-11-18T12:00:00Z" }
  expect: ${expect}
`;

describe('infra-agent policy test', () => {
  it('passes the shipped policy with its shipped cases', async () => {
    const r = await run(['policy', 'test', 'policies']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^policies\/tests\/\S+\.yml$/m);
    expect(r.stdout).toContain('  ✓ prod on a Saturday is frozen and only admins approve');
    expect(r.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
  });

  it('exits 1 naming the failing case, its file:line, what was expected and got, and the trace', async () => {
    const dir = await policyWithCases('failing', {
      'prod.yml': prodCase('prod needs one approver', '{ requirement: one }') + prodCase('prod runs on its own', '{ requirement: auto }'),
    });
    const r = await run(['policy', 'test', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  ✓ prod needs one approver');
    expect(r.stdout).toContain('  ✗ prod runs on its own');
    expect(r.stdout).toContain(`      at ${path.join(dir, 'tests/prod.yml')}:9`);
    expect(r.stdout).toContain('      expected requirement auto, got one');
    expect(r.stdout).toMatch(/ {6}trace:\n(.*\n)* {8}environment 'prod': matched/);
    expect(r.stdout).toMatch(/\n1 passed, 1 failed\n$/);
  });

  it('exits 2 listing every error in the case files as file:line:col, running nothing', async () => {
    const dir = await policyWithCases('invalid', {
      'a.yml': prodCase('typo', '{ requirment: one }'),
      'b.yml': prodCase('undeclared environment', '{ environment: prd }'),
    });
    const r = await run(['policy', 'test', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path.join(dir, 'tests/a.yml')}:7:13: [0].expect: unknown key 'requirment'`);
    expect(r.stderr).toContain(`${path.join(dir, 'tests/b.yml')}:7:26: [0].expect.environment: expects environment 'prd', which the policy does not declare`);
    expect(r.stderr).toContain('2 error(s) in the test cases');
  });

  it('exits 2 when there are no cases or the policy itself is invalid', async () => {
    const empty = await policyWithCases('no-cases', {});
    const none = await run(['policy', 'test', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no policy test cases in ${path.join(empty, 'tests')}`);
    const bad = await run(['policy', 'test', 'test/fixtures/policies/many-errors']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/many-errors\/a\.yml:\d+:\d+: /);
  });
});

describe('infra-agent policy explain', () => {
  let capture: string;
  let prodAlert: string;

  beforeAll(async () => {
    // The fixture is a capture (headers + body per request); the tool reads what Alertmanager POSTs.
    const fixture = JSON.parse(await readFile(path.join(root, 'test/fixtures/alertmanager-0.25-webhook.json'), 'utf8')) as { firing: { body: unknown } };
    capture = path.join(tmp, 'alertmanager-firing.json');
    await writeFile(capture, JSON.stringify(fixture.firing.body));
    prodAlert = path.join(tmp, 'prod-alert.json');
    await writeFile(prodAlert, JSON.stringify({ alertname: 'HighCPU', labels: { env: 'prod', autoscaling_group: 'web-frontend' } }));
  });

  it('explains a real Alertmanager payload: the rule and target match, but no environment takes it', async () => {
    const r = await run(['policy', 'explain', 'policies', '--alert', capture, '--now', '2026-11-18T12:00:00Z']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alert        HighCPU (Alertmanager webhook, alert 1 of 1;');
    expect(r.stdout).toContain("assuming no executions and no pauses (pass --live to read them from the bot's database)");
    expect(r.stdout).toContain('  ✗ prod     label env is missing (wanted one of "prod", "production")');
    expect(r.stdout).toContain('environment  none: the bot proposes nothing for this alert');
    expect(r.stdout).toMatch(/^rule {9}high-cpu-on-asg \(policies\/\S+\.yml:\d+\): diagnose cpu-saturation; candidates scale-asg$/m);
    expect(r.stdout).toContain('target       web-asg (alert label autoscaling_group) → pattern web-*: min 2, max 20, max_step 6');
    expect(r.stdout).toContain('decision     none: the alert routes to no environment');
  });

  it('explains a prod decision during the weekend freeze: admins only', async () => {
    const r = await run(['policy', 'explain', '--alert', prodAlert, '--params', '{"desiredCapacity": 8}', '--current', '{"desiredCapacity": 4}', '--now', '2026-11-21T12:00:00Z'], { POLICY_PATH: 'policies' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  ✓ prod     matched: env in ["prod", "production"]');
    expect(r.stdout).toContain('limits       cooldown 15m per target; budget 4 per 1h');
    expect(r.stdout).toMatch(/^matrix {7}requirements\.prod\.resource is 'one'/m);
    expect(r.stdout).toMatch(/^freeze {7}weekend open from 2026-11-20T18:00:00\.000Z until 2026-11-23T08:00:00\.000Z/m);
    expect(r.stdout).toContain('decision     requirement one (matrix cell one)');
    expect(r.stdout).toContain('approvers    users U0CCC0003 (from admins)');
    expect(r.stdout).toMatch(/\ntrace:\n {2}- environment 'prod'/);
  });

  it('lists every refusal reason', async () => {
    const r = await run(['policy', 'explain', 'policies', '--alert', prodAlert, '--target', 'db-primary', '--params', '{"desiredCapacity": 4}', '--current', '{"desiredCapacity": 2}', '--now', '2026-11-18T12:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('target       db-primary (given) → matches none of web-*');
    expect(r.stdout).toContain('decision     refused — advisory only, a human implements');
    expect(r.stdout).toContain("  - target 'db-primary' matches no target pattern of action 'scale-asg' (patterns: web-*)");
  });

  it('exits 2 with a clear message on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['--alert', prodAlert, '--params', '{desired'], /^--params is not valid JSON \(.*\); example: --params '\{"desiredCapacity": 8\}'/],
      [['--alert', prodAlert, '--current', '{"desiredCapacity": -1}'], /^--current: desiredCapacity: /],
      [['--alert', path.join(tmp, 'missing.json')], /missing\.json: cannot read the alert file \(ENOENT\)/],
      [['--alert', path.join(root, 'package.json')], /expected an Alertmanager webhook payload .* or a plain alert/],
      [['--alert', prodAlert, '--action', 'reboot'], /^unknown action 'reboot': the policy at policies declares scale-asg/],
      [['--alert', prodAlert, '--now', 'tomorrow'], /^--now "tomorrow" is not an ISO 8601 time/],
      [[], /^--alert FILE is required/],
    ];
    const runs = await Promise.all(cases.map(([args]) => run(['policy', 'explain', 'policies', ...args])));
    runs.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    });
  });
});

describe('infra-agent iam-policy', () => {
  it('prints the least-privilege policy for the shipped whitelist as JSON', async () => {
    const r = await run(['iam-policy', 'policies', '--account', '123456789012', '--region', 'eu-west-1']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { Version: string; Statement: { Sid: string; Action: string[]; Resource: unknown }[] };
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Read', 'ActionReplaceInstance', 'ActionScaleAsg']);
    expect(doc.Statement[1]).toMatchObject({
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: ['arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web-*'],
    });
    expect(doc.Statement[2]).toMatchObject({
      Action: ['autoscaling:SetDesiredCapacity'],
      Resource: ['arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web-*'],
    });
  });

  it('exits 2 on a malformed account, region or flag', async () => {
    const [account, region, unknown] = await Promise.all([
      run(['iam-policy', '--account', '1234']),
      run(['iam-policy', '--region', 'Europe']),
      run(['iam-policy', '--acount', '123456789012']),
    ]);
    expect([account.code, region.code, unknown.code]).toEqual([2, 2, 2]);
    expect(account.stderr).toContain('--account: expected a 12-digit AWS account id');
    expect(region.stderr).toContain('--region: expected an AWS region such as eu-west-1');
    expect(unknown.stderr).toMatch(/^Unknown option '--acount'/);
  });
});

describe('iam-policy output accepted by an IAM API (moto)', () => {
  let moto: Moto | { skip: string };
  const aws = findProgram('aws', [pyenvShim('aws')]);

  beforeAll(async () => {
    moto = aws ? await startMoto() : missingPeer('aws CLI not found (pip install awscli, or put $HOME/.pyenv/shims on PATH)');
  });

  afterAll(async () => {
    if (moto && 'stop' in moto) await moto.stop();
  });

  async function createPolicy(name: string, document: string): Promise<Run> {
    const m = moto as Moto;
    const file = path.join(tmp, `${name}.json`);
    await writeFile(file, document);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };
    return promisify(execFile)(aws!, ['iam', 'create-policy', '--policy-name', name, '--policy-document', `file://${file}`, '--endpoint-url', m.url, '--output', 'json'], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: Run) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
    );
  }

  it('CreatePolicy accepts the generated document (and rejects a malformed one, so the check is real)', async (ctx) => {
    if ('skip' in moto) return ctx.skip(moto.skip);
    const generated = await run(['iam-policy', 'policies', '--account', '123456789012', '--region', 'us-east-1']);
    expect(generated.code).toBe(0);
    const created = await createPolicy('infra-agent', generated.stdout);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ Policy: { PolicyName: 'infra-agent', DefaultVersionId: 'v1' } });

    const broken = JSON.parse(generated.stdout) as { Statement: { Resource: unknown }[] };
    broken.Statement[1]!.Resource = ['autoScalingGroupName/web-*'];
    const refused = await createPolicy('broken', JSON.stringify(broken));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('MalformedPolicyDocument');
  });
});
