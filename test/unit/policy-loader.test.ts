import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPolicyErrors, loadPolicy } from '../../src/policy/loader.ts';
import type { PolicyError, PolicyLoadOptions } from '../../src/policy/loader.ts';

const fixtures = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
const example = fileURLToPath(new URL('../../policies/example.yml', import.meta.url));
const opts: PolicyLoadOptions = {
  knownExecutors: ['aws.autoscaling.set-desired-capacity'],
  knownDiagnoses: ['cpu-saturation'],
};

async function errorsOf(path: string, options: PolicyLoadOptions = opts): Promise<PolicyError[]> {
  const result = await loadPolicy(path, options);
  if (result.ok) throw new Error(`expected ${path} to be rejected`);
  return result.errors;
}

const tmp = await mkdtemp(join(tmpdir(), 'policy-loader-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));
async function tmpFile(name: string, text: string): Promise<string> {
  const file = join(tmp, name);
  await writeFile(file, text);
  return file;
}

describe('loadPolicy: valid policies', () => {
  it('loads the shipped example', async () => {
    const result = await loadPolicy(example, opts);
    expect(result).toMatchObject({ ok: true, files: [example] });
    if (!result.ok) return;
    expect(result.policy.environments).toEqual({ prod: { channel: 'C0PROD0001', match: { env: ['prod', 'production'] } } });
    expect(result.policy.actions['scale-asg']?.targets).toEqual([{ asg: 'web-*', min: 2, max: 20, max_step: 6 }]);
    expect(result.policy.rules.map((r) => r.name)).toEqual(['high-cpu-on-asg']);
    // The reviewed whitelist cannot be widened at runtime.
    const target = result.policy.actions['scale-asg']?.targets[0];
    expect(() => Object.assign(target ?? {}, { max: 1000 })).toThrow(TypeError);
  });

  it('merges every *.yml/*.yaml of a directory in file-name order, skipping other files and dotfiles', async () => {
    const dir = join(fixtures, 'good');
    const result = await loadPolicy(dir, opts);
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors));
    expect(result.files).toEqual(
      ['10-environments.yml', '20-approvers.yaml', '30-actions.yml', '40-rules.yml', '50-rules.yml'].map((f) => join(dir, f)),
    );
    const { policy } = result;
    // Declared order across files is evaluation order.
    expect(Object.keys(policy.environments)).toEqual(['prod', 'dev', 'staging']);
    expect(Object.keys(policy.approvers)).toEqual(['sre-oncall', 'platform-leads']);
    expect(Object.keys(policy.actions)).toEqual(['scale-asg', 'scale-batch']);
    expect(policy.rules.map((r) => r.name)).toEqual(['high-cpu-web', 'high-cpu-any']);
    expect(policy.rules[1]?.settings).toEqual({ target_cpu: 60, dry_run: false, note: 'quoted: ok' });
  });

  it('treats an empty file as an empty policy', async () => {
    const result = await loadPolicy(await tmpFile('empty.yml', '# nothing here yet\n'), opts);
    expect(result).toMatchObject({ ok: true, policy: { environments: {}, approvers: {}, actions: {}, rules: [] } });
  });
});

describe('loadPolicy: one error kind per fixture, with its exact position', () => {
  const cases: [string, [number, number, string][]][] = [
    ['syntax.yml', [[14, 5, 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]']]],
    [
      'unknown-key.yml',
      [
        [15, 9, "actions.scale-asg.targets[0]: missing required key 'max_step'"],
        [18, 9, "actions.scale-asg.targets[0]: unknown key 'max_stpe' (expected one of: asg, min, max, max_step)"],
      ],
    ],
    ['wrong-type.yml', [[17, 14, 'actions.scale-asg.targets[0].max: expected a number, got the string "20"']]],
    ['missing-key.yml', [[10, 5, "actions.scale-asg: missing required key 'rollback'"]]],
    [
      'unknown-executor.yml',
      [[10, 15, "action 'scale-asg' uses executor 'aws.ec2.terminate-instances' which is not known (known executors: aws.autoscaling.set-desired-capacity)"]],
    ],
    [
      'unknown-diagnosis.yml',
      [[23, 15, "rule 'high-cpu' names diagnosis rule 'memory-leak' which is not known (known diagnosis rules: cpu-saturation)"]],
    ],
    ['min-gt-max.yml', [[16, 14, 'actions.scale-asg.targets[0].min: min (30) is greater than max (20)']]],
    ['max-step.yml', [[18, 19, 'actions.scale-asg.targets[0].max_step: must be at least 1 (got the number 0)']]],
    [
      'unknown-approver.yml',
      [[13, 29, "action 'scale-asg' names approver group 'dba-team' which is not declared in approvers (declared groups: sre-oncall)"]],
    ],
    ['unknown-action.yml', [[24, 29, "rule 'high-cpu' names action 'reboot-everything' which is not whitelisted in actions"]]],
    [
      'unsafe-tag.yml',
      [[19, 15, "unsupported YAML tag '!!js/function': policy files may only use plain maps, lists, strings, numbers and booleans"]],
    ],
    [
      'unknown-tag.yml',
      [
        [4, 14, "unsupported YAML tag '!env': policy files may only use plain maps, lists, strings, numbers and booleans"],
        [4, 19, 'environments.prod.channel: expected a Slack channel id such as C0123ABCD'],
      ],
    ],
    [
      'yaml-1.1.yml',
      [[22, 18, "unsupported YAML tag '!!binary': policy files may only use plain maps, lists, strings, numbers and booleans"]],
    ],
    [
      'unreachable-env.yml',
      [[5, 3, `environment 'prod' can never match: catch-all environment 'staging' (no match labels) in ${join(fixtures, 'bad/unreachable-env.yml')}:3 is evaluated before it`]],
    ],
    ['two-approvals.yml', [[12, 18, "action 'scale-asg' requires 2 approval(s) but its approver groups name 1 distinct user(s)"]]],
  ];

  it.each(cases)('%s', async (name, expected) => {
    const file = join(fixtures, 'bad', name);
    expect(await errorsOf(file)).toEqual(expected.map(([line, column, message]) => ({ file, line, column, message })));
  });
});

describe('loadPolicy: across files', () => {
  it('reports a name declared in two files at the second, naming both', async () => {
    const a = join(fixtures, 'duplicate/a.yml');
    const b = join(fixtures, 'duplicate/b.yml');
    expect(await errorsOf(join(fixtures, 'duplicate'))).toEqual([
      { file: b, line: 3, column: 3, message: `environment 'prod' is declared twice: in ${a}:2 and in ${b}:3` },
      { file: b, line: 5, column: 3, message: `approver group 'sre-oncall' is declared twice: in ${a}:5 and in ${b}:5` },
      { file: b, line: 7, column: 3, message: `action 'scale-asg' is declared twice: in ${a}:8 and in ${b}:7` },
    ]);
  });

  it('reports every error of every file in one run, formatted file:line:col', async () => {
    const dir = join(fixtures, 'many-errors');
    const text = formatPolicyErrors(await errorsOf(dir));
    expect(text.replaceAll(dir, '<dir>')).toBe(
      [
        '<dir>/a.yml:4:14: environments.prod.channel: expected a Slack channel id such as C0123ABCD',
        '<dir>/a.yml:5:19: environments.prod.match.env: expected a list, got the string "prod"',
        '<dir>/a.yml:12:19: actions.scale-asg.blast_radius: expected one of: resource, service, environment, global (got the string "cluster")',
        "<dir>/a.yml:18:5: actions.scale-asg: unknown key 'cooldown' (expected one of: executor, description, blast_radius, requirement, approvers, targets, rollback)",
        '<dir>/b.yml:6:29: rules[0].settings.target_cpu: expected a number, a string or a boolean',
        // b.yml's unknown candidate `replace-instance` is not reported: c.yml does not parse,
        // so whether it declares that action is unknown.
        '<dir>/c.yml:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ].join('\n'),
    );
  });

  it('refuses a directory without policy files, and a missing path', async () => {
    const empty = join(fixtures, 'empty');
    expect(await errorsOf(empty)).toEqual([{ file: empty, line: 0, column: 0, message: 'no policy files (*.yml or *.yaml) in this directory' }]);
    expect(formatPolicyErrors(await errorsOf(empty))).toBe(`${empty}: no policy files (*.yml or *.yaml) in this directory`);
    const missing = join(tmp, 'no-such-dir');
    expect(await errorsOf(missing)).toEqual([{ file: missing, line: 0, column: 0, message: 'cannot read policy path (ENOENT)' }]);
  });
});

describe('loadPolicy: hostile or odd YAML', () => {
  it('refuses unknown top-level sections', async () => {
    const file = await tmpFile('freeze.yml', 'environments: {}\nfreezes: []\n');
    expect(await errorsOf(file)).toEqual([
      { file, line: 2, column: 1, message: "unknown key 'freezes' (expected one of: environments, approvers, actions, rules)" },
    ]);
  });

  it('refuses a document that is not a map, and several documents in one file', async () => {
    const list = await tmpFile('list.yml', '- environments\n');
    expect(await errorsOf(list)).toEqual([{ file: list, line: 1, column: 1, message: 'expected a map, got a list' }]);
    const multi = await tmpFile('multi.yml', 'environments: {}\n---\nactions: {}\n');
    expect(await errorsOf(multi)).toEqual([
      { file: multi, line: 2, column: 1, message: 'a policy file holds one YAML document; put further documents in their own files' },
    ]);
  });

  it('refuses duplicate keys and names that could reorder or pollute maps', async () => {
    const file = await tmpFile('names.yml', 'environments:\n  prod: { channel: C0A }\n  prod: { channel: C0B }\n');
    expect(await errorsOf(file)).toEqual([
      { file, line: 3, column: 3, message: "duplicate key 'prod' (keys must be unique within a map)" },
    ]);
    // zod records drop `__proto__` silently; it must be an error wherever it appears, once.
    const odd = await tmpFile(
      'odd.yml',
      'approvers:\n  "1": { users: [U0A] }\n  __proto__: { users: [U0B] }\n' +
        'environments:\n  prod: { channel: C0A, match: { __proto__: [x] }, __proto__: 1 }\n',
    );
    const why = "expected a name that starts with a letter and uses only letters, digits, '.', '_' or '-'";
    expect(await errorsOf(odd)).toEqual([
      { file: odd, line: 2, column: 3, message: `approvers: invalid name "1": ${why}` },
      { file: odd, line: 3, column: 3, message: "approvers: key '__proto__' is not allowed" },
      { file: odd, line: 5, column: 34, message: "environments.prod.match: key '__proto__' is not allowed" },
      { file: odd, line: 5, column: 52, message: "environments.prod: key '__proto__' is not allowed" },
    ]);
  });

  it('refuses alias expansion bombs instead of expanding them', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e']] as const) {
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const file = await tmpFile('bomb.yml', `${levels.join('\n')}\n`);
    expect(await errorsOf(file)).toEqual([
      { file, line: 1, column: 1, message: 'YAML could not be read: Excessive alias count indicates a resource exhaustion attack' },
    ]);
  });

  it('refuses recursive aliases, which would make a cyclic structure', async () => {
    const file = await tmpFile('cycle.yml', 'environments: &envs\n  prod: { channel: C0A, match: *envs }\n');
    expect(await errorsOf(file)).toEqual([
      { file, line: 2, column: 32, message: 'YAML alias refers to a node that contains it (a recursive structure)' },
    ]);
  });

  it('says so when the app registers no executors at all', async () => {
    const errors = await errorsOf(example, { knownExecutors: [], knownDiagnoses: ['cpu-saturation'] });
    expect(errors.map((e) => e.message)).toEqual([
      "action 'scale-asg' uses executor 'aws.autoscaling.set-desired-capacity' which is not known (no executors are registered)",
    ]);
  });
});
