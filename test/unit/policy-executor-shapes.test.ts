// What each executor asks of its declaration, checked when the policy loads: capacity executors
// take asg targets with bounds, the runbook executor takes service targets and a runbook, and a
// runbook's URL and secret are constrained. Each error at its file:line:column.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { policyLoadOptions } from '../../src/known-kinds.ts';
import { formatPolicyErrors, loadPolicy } from '../../src/policy/loader.ts';

const tmp = await mkdtemp(join(tmpdir(), 'policy-shapes-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

// The action's own lines start at line 8 (`  <name>:`), its keys at column 5.
const head = `environments:
  dev: { channel: C0DEV00001 }
approvers:
  sre: { users: [U0AAA0001, U0BBB0002] }
requirements:
  dev: { resource: one, service: one, environment: two, global: advisory }
actions:
`;
const tail = `    blast_radius: service
    reversible: false
    approvers: [sre]
    rollback: none
    verify: { after: 5m, signal: cpu-avg, below: 70 }
`;

let n = 0;
async function load(actionLines: string) {
  const file = join(tmp, `p${n++}.yml`);
  await writeFile(file, head + actionLines + tail);
  return loadPolicy(file, policyLoadOptions);
}
async function errors(actionLines: string): Promise<[number, number, string][]> {
  const r = await load(actionLines);
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.errors.map((e) => [e.line, e.column, e.message]);
}

const runbook = '    runbook: { url: "https://automation.example/restart", secret_env: RUNBOOK_SECRET_RESTART }\n';

describe('executor-specific target and runbook checks', () => {
  it('accepts a runbook action on service targets, and a replace-instance action on asg targets', async () => {
    const ok = await load(`  restart-api:
    executor: http.runbook
    targets: [{ service: "api-*" }]
${runbook}`);
    if (!ok.ok) throw new Error(formatPolicyErrors(ok.errors));
    expect(ok.policy.actions['restart-api']?.runbook).toEqual({ url: 'https://automation.example/restart', secret_env: 'RUNBOOK_SECRET_RESTART' });
    const replace = await load(`  replace-instance:
    executor: aws.autoscaling.replace-instance
    targets: [{ asg: "web-*", min: 2, max: 20, max_step: 1 }]
`);
    if (!replace.ok) throw new Error(formatPolicyErrors(replace.errors));
  });

  it('refuses a runbook action without a runbook', async () => {
    expect(await errors(`  restart-api:
    executor: http.runbook
    targets: [{ service: "api-*" }]
`)).toEqual([[9, 5, "action 'restart-api': missing required key 'runbook' (executor 'http.runbook' POSTs only to the runbook declared here: { url, secret_env, timeout? })"]]);
  });

  it('refuses a runbook on an executor that calls none', async () => {
    expect(await errors(`  scale-asg:
    executor: aws.autoscaling.set-desired-capacity
    targets: [{ asg: "web-*", min: 2, max: 20, max_step: 6 }]
${runbook}`)).toEqual([[11, 5, "action 'scale-asg' declares a runbook, but executor 'aws.autoscaling.set-desired-capacity' calls no runbook (only runbook executors take one)"]]);
  });

  it('refuses a capacity action on a service target, and a runbook action on a group', async () => {
    expect(await errors(`  scale-asg:
    executor: aws.autoscaling.set-desired-capacity
    targets: [{ service: "api-*" }]
`)).toEqual([[10, 17, "action 'scale-asg' uses executor 'aws.autoscaling.set-desired-capacity', which changes Auto Scaling groups within bounds: its targets are { asg: <group pattern>, min, max, max_step }, not services"]]);
    expect(await errors(`  restart-api:
    executor: http.runbook
    targets: [{ asg: "api-*", min: 1, max: 2, max_step: 1 }]
${runbook}`)).toEqual([[10, 17, "action 'restart-api' uses executor 'http.runbook', which runs a runbook for a service: its targets are { service: <service pattern> }, not Auto Scaling groups"]]);
  });

  it('refuses a capacity target without its bounds', async () => {
    expect(await errors(`  scale-asg:
    executor: aws.autoscaling.set-desired-capacity
    targets: [{ asg: "web-*", min: 2 }]
`)).toEqual([
      [10, 15, "actions.scale-asg.targets[0]: missing required key 'max'"],
      [10, 15, "actions.scale-asg.targets[0]: missing required key 'max_step'"],
    ]);
  });

  it('refuses a target naming both or neither kind, and bounds on a service target', async () => {
    expect(await errors(`  restart-api:
    executor: http.runbook
    targets: [{ service: "api-*", asg: "web-*" }, { max: 3 }, { service: "api-*", max_step: 2 }]
${runbook}`)).toEqual([
      [10, 26, "actions.restart-api.targets[0].service: give either 'asg' or 'service', not both: one target names one kind of thing"],
      [10, 51, "actions.restart-api.targets[1]: a target names either 'asg' (an Auto Scaling group pattern, with min, max and max_step) or 'service' (a service pattern, for runbooks)"],
      [10, 93, "actions.restart-api.targets[2].max_step: 'max_step' applies only to asg targets: a service target bounds no capacity"],
    ]);
  });

  it('refuses a runbook URL that is not https (except loopback), carries credentials, or a secret outside RUNBOOK_SECRET_*', async () => {
    const rb = (url: string, secret = 'RUNBOOK_SECRET_X', extra = '') => `  restart-api:
    executor: http.runbook
    targets: [{ service: "api-*" }]
    runbook: { url: "${url}", secret_env: ${secret}${extra} }
`;
    expect(await errors(rb('http://automation.example/restart'))).toEqual([
      [11, 21, 'actions.restart-api.runbook.url: a runbook URL must use https (plain http is allowed only for 127.0.0.1, ::1 or localhost), got "http://automation.example/restart"'],
    ]);
    expect(await errors(rb('https://user:pw@automation.example/restart'))).toEqual([
      [11, 21, 'actions.restart-api.runbook.url: a runbook URL must not carry credentials: the request is signed with secret_env instead'],
    ]);
    expect(await errors(rb('https://automation.example/restart', 'SLACK_SIGNING_SECRET'))).toEqual([
      [11, 71, 'actions.restart-api.runbook.secret_env: expected the name of an environment variable starting with RUNBOOK_SECRET_, such as RUNBOOK_SECRET_RESTART'],
    ]);
    expect(await errors(rb('https://automation.example/restart', 'RUNBOOK_SECRET_X', ', timeout: 5m'))).toEqual([
      [11, 98, 'actions.restart-api.runbook.timeout: a runbook timeout is at most 90s (the execution job must finish well within its expiry)'],
    ]);
    const local = await load(rb('http://127.0.0.1:8080/restart'));
    expect(local.ok).toBe(true);
  });
});
