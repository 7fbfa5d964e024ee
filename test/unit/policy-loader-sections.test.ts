// The sections beyond environments/approvers/actions/rules: the requirements matrix, freezes,
// admins, time limits, verify/cooldown/budget, and `origin`, the map back to the policy lines.
import { diagnosisRuleNames } from '../../src/diagnosis/rules/registry.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPolicyErrors, loadPolicy } from '../../src/policy/loader.ts';
import type { PolicyError, PolicyLoadOptions } from '../../src/policy/loader.ts';
import type { Policy } from '../../src/policy/schema.ts';

const fixtures = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
const bad = (name: string) => join(fixtures, 'bad', name);
const opts: PolicyLoadOptions = {
  knownExecutors: ['aws.autoscaling.set-desired-capacity', 'aws.autoscaling.replace-instance'],
  knownDiagnoses: diagnosisRuleNames,
};

async function errorsOf(path: string): Promise<PolicyError[]> {
  const result = await loadPolicy(path, opts);
  if (result.ok) throw new Error(`expected ${path} to be rejected`);
  return result.errors;
}

async function policyOf(path: string): Promise<Policy> {
  const result = await loadPolicy(path, opts);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors));
  return result.policy;
}

const tmp = await mkdtemp(join(tmpdir(), 'policy-sections-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('loadPolicy: new sections, one error kind per fixture, with its exact position', () => {
  const cases: [string, [number, number, string][]][] = [
    [
      'requirements-unknown-key.yml',
      [
        [10, 9, "requirements.prod: missing required key 'service'"],
        [10, 26, "requirements.prod: unknown key 'servce' (expected one of: resource, service, environment, global)"],
      ],
    ],
    [
      'requirements-missing-row.yml',
      [[6, 3, "environment 'staging' has no row in requirements: every environment needs a requirement for resource, service, environment and global"]],
    ],
    [
      'requirements-undeclared-env.yml',
      [[11, 3, "requirements names environment 'prdo' which is not declared in environments (declared: prod)"]],
    ],
    ['requirements-bad-value.yml', [[10, 35, 'requirements.prod.service: expected one of: auto, one, two, advisory (got the string "three")']]],
    [
      'bad-duration.yml',
      [
        [20, 15, 'actions.scale-asg.cooldown: expected a duration such as 90s, 15m, 1h30m or 2d (more than zero, at most 366d), got "15 minutes"'],
        [21, 28, 'actions.scale-asg.budget.per: expected a duration with a unit, such as 60s, 60m or 60h (got the number 60)'],
      ],
    ],
    ['bad-cron.yml', [[22, 11, "freeze 'weekend' has an invalid cron '61 * * * *': Constraint error, got value 61 expected range 0-59"]]],
    [
      'bad-timezone.yml',
      [[24, 15, "freeze 'weekend' has an unknown time zone 'Europe/Pariss': expected an IANA time zone name such as UTC or Europe/Paris"]],
    ],
    [
      'freeze-never-lifts.yml',
      [
        [
          23,
          10,
          "freeze 'weekend' never lifts: its cron opens a new window at most 24h after the previous one but each window lasts 62h, so the frozen environments would stay frozen for good (shorten 'for' or make the cron fire less often)",
        ],
      ],
    ],
    [
      'freeze-unknown-env.yml',
      [[24, 26, "freeze 'weekend' names environment 'production' which is not declared in environments (declared: prod)"]],
    ],
    [
      'verify-both.yml',
      [[19, 62, "actions.scale-asg.verify.above: give exactly one of 'below' or 'above', not both: the check passes when the signal ends up on one side of one value"]],
    ],
    [
      'verify-neither.yml',
      [[19, 13, "actions.scale-asg.verify: missing 'below' or 'above': say which side of which value the signal must end up on for the change to count as working"]],
    ],
    ['usergroup-id.yml', [[9, 18, 'approvers.sre-oncall.usergroups[0]: expected a Slack user group id such as S0123ABCD']]],
    [
      'empty-approver-group.yml',
      [
        [7, 15, 'approvers.sre-oncall: an approver group needs at least one entry in users or usergroups (an empty group can approve nothing)'],
        [9, 5, 'approvers.platform-leads: an approver group needs at least one entry in users or usergroups (an empty group can approve nothing)'],
      ],
    ],
    [
      'approvals-per-environment.yml',
      [
        // dev's cell (one) is met by the group of one; prod's (two) is not.
        [
          20,
          16,
          `action 'scale-asg' needs 2 approval(s) in environment 'prod' (requirements.prod.resource is 'two', at ${bad('approvals-per-environment.yml')}:13) but its approver groups name 1 distinct user(s) and no user group`,
        ],
        // In dev the action's own requirement is what asks for two: the error points at it.
        [
          28,
          18,
          `action 'scale-batch' needs 2 approval(s) in environment 'dev' (its own requirement 'two', stricter than requirements.dev.service 'one' at ${bad('approvals-per-environment.yml')}:14) but its approver groups name 1 distinct user(s) and no user group`,
        ],
        [
          29,
          16,
          `action 'scale-batch' needs 2 approval(s) in environment 'prod' (requirements.prod.service is 'two', at ${bad('approvals-per-environment.yml')}:13) but its approver groups name 1 distinct user(s) and no user group`,
        ],
      ],
    ],
    [
      'requirement-auto.yml',
      [
        [
          16,
          18,
          "action 'scale-asg' sets requirement 'auto', which has no effect: an action's requirement can only make the requirements matrix stricter, never looser (remove it, or change the matrix)",
        ],
      ],
    ],
    [
      'shadowed-target.yml',
      [
        [
          19,
          16,
          "action 'scale-asg' target 'web-canary-*' can never apply: the earlier target 'web-*' (targets[0]) matches every group it matches, and the first matching target's bounds apply (list the narrower pattern first, or remove one)",
        ],
        [
          20,
          16,
          "action 'scale-asg' target 'web-*' can never apply: the earlier target 'web-*' (targets[0]) matches every group it matches, and the first matching target's bounds apply (list the narrower pattern first, or remove one)",
        ],
      ],
    ],
  ];

  it.each(cases)('%s', async (name, expected) => {
    const file = bad(name);
    expect(await errorsOf(file)).toEqual(expected.map(([line, column, message]) => ({ file, line, column, message })));
  });
});

describe('loadPolicy: cross-file checks of the new sections', () => {
  it('leaves out "not declared" and "no row" errors while a file does not parse', async () => {
    const dir = join(tmp, 'unreadable');
    await mkdir(dir);
    await writeFile(join(dir, 'a.yml'), 'environments:\n  prod: { channel: C0PROD0001 }\nfreezes:\n  - { name: w, cron: "0 18 * * FRI", for: 1h, environments: [staging] }\n');
    await writeFile(join(dir, 'b.yml'), 'requirements: [\n');
    const errors = await errorsOf(dir);
    expect(errors.map((e) => `${e.file.slice(dir.length + 1)}:${e.line}`)).toEqual(['b.yml:2']);
  });

  it('does not count approvers when a group names a user group (its members are read from Slack)', async () => {
    const file = join(tmp, 'usergroup.yml');
    await writeFile(
      file,
      [
        'environments:\n  prod: { channel: C0PROD0001 }',
        'requirements:\n  prod: { resource: two, service: two, environment: two, global: two }',
        'approvers:\n  sre: { users: [U0AAA0001], usergroups: [S0SRE00001] }',
        'actions:\n  scale-asg:',
        '    executor: aws.autoscaling.set-desired-capacity\n    blast_radius: resource\n    reversible: true\n    approvers: [sre]',
        '    targets: [{ asg: "web-*", min: 2, max: 20, max_step: 6 }]\n    rollback: restore-previous-capacity',
        '    verify: { after: 10m, signal: cpu-avg, below: 70 }\n',
      ].join('\n'),
    );
    expect((await policyOf(file)).requirements['prod']?.resource).toBe('two');
  });
});

describe('loadPolicy: origin', () => {
  it('maps each part of the merged policy to the file:line that declared it', async () => {
    const dir = join(fixtures, 'good');
    const at = (file: string, line: number) => `${join(dir, file)}:${line}`;
    const { origin } = await policyOf(dir);
    expect(origin).toEqual({
      'environments.prod': at('10-environments.yml', 3),
      'environments.dev': at('10-environments.yml', 7),
      'environments.staging': at('50-rules.yml', 3),
      'approvers.sre-oncall': at('20-approvers.yaml', 2),
      'approvers.platform-leads': at('20-approvers.yaml', 5),
      admins: at('20-approvers.yaml', 7),
      'admins.U0CCC0003': at('20-approvers.yaml', 7),
      'admins.U0DDD0004': at('60-freezes.yml', 2),
      ...Object.fromEntries(
        (['prod', 'dev', 'staging'] as const).flatMap((env, i) =>
          ['resource', 'service', 'environment', 'global'].map((radius) => [`requirements.${env}.${radius}`, at('25-requirements.yml', 2 + i)]),
        ),
      ),
      'actions.scale-asg': at('30-actions.yml', 2),
      'actions.scale-asg.targets[0]': at('30-actions.yml', 10),
      'actions.scale-asg.targets[1]': at('30-actions.yml', 11),
      'actions.scale-asg.verify': at('30-actions.yml', 13),
      'actions.scale-asg.cooldown': at('30-actions.yml', 14),
      'actions.scale-asg.budget': at('30-actions.yml', 15),
      'actions.scale-batch': at('30-actions.yml', 16),
      'actions.scale-batch.requirement': at('30-actions.yml', 21),
      'actions.scale-batch.targets[0]': at('30-actions.yml', 24),
      'actions.scale-batch.verify': at('30-actions.yml', 26),
      'rules.high-cpu-web': at('40-rules.yml', 2),
      'rules.high-cpu-any': at('50-rules.yml', 6),
      'freezes.weekend': at('60-freezes.yml', 4),
      'freezes.release-night': at('60-freezes.yml', 10),
      time_limits: at('25-requirements.yml', 5),
    });
    // Part of the reviewed policy: nothing may rewrite where a decision's rules came from.
    expect(Object.isFrozen(origin)).toBe(true);
  });

  it('has no time_limits entry when only the defaults apply', async () => {
    const file = join(tmp, 'no-limits.yml');
    await writeFile(file, 'environments: {}\n');
    expect((await policyOf(file)).origin).toEqual({});
  });
});

describe('the end-to-end test policy', () => {
  // No digest either: a scheduled digest due while the suite runs would post into every test's fake Slack.
  it('is the shipped policy without the freeze, the cooldown and the digest schedule', async () => {
    const e2e = await policyOf(join(fixtures, 'e2e'));
    const shipped = await policyOf(fileURLToPath(new URL('../../policies/', import.meta.url)));
    expect(e2e.freezes).toEqual([]);
    expect(e2e.digest).toBeUndefined();
    expect(shipped.digest?.day).toBe('monday');
    const { cooldown, ...action } = shipped.actions['scale-asg'] ?? { cooldown: undefined };
    expect(cooldown).toBe('15m');
    expect(e2e.actions['scale-asg']).toEqual(action);
    const { origin: _e, freezes: _f, actions: _a, ...e2eRest } = e2e;
    const { origin: _o, freezes: _g, actions: _b, digest: _d, ...shippedRest } = shipped;
    expect(e2eRest).toEqual(shippedRest);
  });

  it('keeps what the integration tests rely on', async () => {
    const p = await policyOf(join(fixtures, 'e2e'));
    expect(p.environments['prod']).toEqual({ channel: 'C0PROD0001', production: true, match: { env: ['prod', 'production'] } });
    const action = p.actions['scale-asg'];
    expect(action?.blast_radius).toBe('resource');
    expect(action?.requirement).toBeUndefined();
    // prod × resource is 'one': exactly one approver.
    expect(p.requirements['prod']?.resource).toBe('one');
    const eligible = (action?.approvers ?? []).flatMap((g) => p.approvers[g]?.users ?? []);
    expect(eligible).toEqual(expect.arrayContaining(['U0AAA0001', 'U0CCC0003']));
    expect(action?.targets).toEqual([{ asg: 'web-*', min: 2, max: 20, max_step: 6 }]);
    expect(action?.budget).toEqual({ max: 4, per: '1h' });
    expect(p.rules.map((r) => [r.when, r.diagnose, r.candidates])[0]).toEqual([{ alertname: 'HighCPU' }, 'cpu-saturation', ['scale-asg']]);
  });
});
