import { describe, expect, it } from 'vitest';
import { Policy } from '../../src/policy/schema.ts';
import { checkCaseReferences, runCase, runCases } from '../../src/policy/test-case-runner.ts';
import { parseCaseFile } from '../../src/policy/test-cases.ts';
import type { LocatedCase } from '../../src/policy/test-cases.ts';

// Parsed through the schema so the tests cannot drift from what the loader produces.
const policy = Policy.parse({
  environments: {
    dev: { channel: 'C0DEV', match: { env: ['dev'] } },
    prod: { channel: 'C0PROD', match: { env: ['prod'] } },
  },
  approvers: {
    oncall: { users: ['U0AAA', 'U0BBB'], usergroups: ['S0SRE'] },
  },
  admins: ['U0ADM'],
  requirements: {
    dev: { resource: 'auto', service: 'auto', environment: 'one', global: 'advisory' },
    prod: { resource: 'one', service: 'two', environment: 'advisory', global: 'advisory' },
  },
  actions: {
    'scale-asg': {
      executor: 'aws.autoscaling.set-desired-capacity',
      blast_radius: 'resource',
      reversible: true,
      approvers: ['oncall'],
      targets: [{ asg: 'web-*', min: 2, max: 20, max_step: 6 }],
      rollback: 'restore-previous-capacity',
      verify: { after: '10m', signal: 'cpu-avg', below: 70 },
      cooldown: '15m',
      budget: { max: 4, per: '1h' },
    },
  },
  rules: [{ name: 'high-cpu', when: { alertname: 'HighCPU' }, diagnose: 'cpu-saturation', candidates: ['scale-asg'] }],
  freezes: [{ name: 'weekend', cron: '0 18 * * FRI', for: '62h', environments: ['prod'] }],
  time_limits: { approval: '30m', execution: '15m' },
});

const WEDNESDAY = new Date('2026-11-18T12:00:00Z');

function parsed(text: string): LocatedCase[] {
  const r = parseCaseFile('cases.yml', text);
  expect(r.errors).toEqual([]);
  return r.cases;
}

function errorsOf(text: string): string[] {
  return parseCaseFile('cases.yml', text).errors.map((e) => `${e.line}:${e.column}: ${e.message}`);
}

const prodScaleOut = (expect: string) => `
- name: prod scale-out
  alert: { alertname: HighCPU, labels: { env: prod, autoscaling_group: web-1 } }
  params: { desiredCapacity: 8 }
  current: { desiredCapacity: 4 }
  expect: ${expect}
`;

describe('policy test case files', () => {
  it('reads a plain list and a map with defaults, with each case at its line', () => {
    const list = parsed(prodScaleOut('{ requirement: one }'));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ file: 'cases.yml', line: 2, state: {} });

    const withDefaults = parsed(`
defaults:
  state: { now: "2026-11-18T12:00:00Z", budget_used: 2 }
cases:
  - name: a
    environment: prod
    action: scale-asg
    target: web-1
    expect: { requirement: one }
  - name: b
    environment: prod
    action: scale-asg
    target: web-1
    state: { budget_used: 4 }
    expect: { refused: [used up] }
`);
    expect(withDefaults.map((c) => [c.line, c.state])).toEqual([
      [5, { now: '2026-11-18T12:00:00Z', budget_used: 2 }],
      [10, { now: '2026-11-18T12:00:00Z', budget_used: 4 }],
    ]);
  });

  it('reports every schema error at its file:line:col', () => {
    expect(errorsOf(`
- name: typo
  alert: { alertname: HighCPU, labels: { env: prod } }
  target: web-1
  expect: { requirement: sometimes, aprovers: [U0AAA] }
  stat: { now: yesterday }
- name: both alert and environment
  alert: { alertname: HighCPU }
  environment: prod
  action: scale-asg
  expect: { environment: prod }
- name: bad state
  environment: prod
  action: scale-asg
  target: web-1
  state:
    now: yesterday
    pauses: [{ scope: global, name: prod }, { scope: action }]
  expect: { refused: [x], requirement: one }
`)).toEqual([
      "5:37: [0].expect: unknown key 'aprovers' (expected one of: environment, rule, freeze, requirement, approvers, refused)",
      '5:26: [0].expect.requirement: expected one of: auto, one, two, advisory (got the string "sometimes")',
      "6:3: [0]: unknown key 'stat' (expected one of: name, alert, environment, action, target, params, current, state, expect)",
      '7:3: [1]: give exactly one of alert (routed like a real alert) or environment (routing skipped)',
      '11:26: [1].expect.environment: expect.environment checks how an alert is routed; this case gives no alert',
      '17:10: [2].state.now: expected an ISO 8601 time such as 2026-11-18T12:00:00Z',
      "18:37: [2].state.pauses[0].name: a pause of scope 'global' takes no name",
      "18:45: [2].state.pauses[1].name: a pause of scope 'action' names the action it pauses",
      "19:40: [2].expect.requirement: a refused proposal is 'advisory', never 'one'",
    ].sort(byLine));
  });

  it('rejects files that are not cases, and YAML the policy loader would reject too', () => {
    expect(errorsOf('[]')).toEqual(['1:1: list at least one case']);
    expect(errorsOf('cases: []\nextra: 1')).toEqual(["2:1: unknown key 'extra' (expected one of: defaults, cases)", '1:8: cases: list at least one case'].sort(byLine));
    expect(errorsOf('- name: a\n  name: b\n')[0]).toMatch(/^2:3: duplicate key 'name'/);
    expect(errorsOf('- name: !!js/function x\n  environment: prod\n  action: scale-asg\n  target: web-1\n  expect: { requirement: one }')).toEqual([
      "1:9: unsupported YAML tag '!!js/function': policy files may only use plain maps, lists, strings, numbers and booleans",
    ]);
    expect(errorsOf(`
- name: needs a target for a decision
  alert: { alertname: HighCPU, labels: { env: prod } }
  expect: { requirement: one }
`)).toEqual(['2:3: [0]: give target (or an alert label autoscaling_group): the decision is about one target']);
  });
});

function byLine(a: string, b: string): number {
  const [la, ca] = a.split(':').map(Number) as [number, number];
  const [lb, cb] = b.split(':').map(Number) as [number, number];
  return la - lb || ca - cb;
}

describe('references from cases to the policy', () => {
  it('names each undeclared thing at its line, and a duplicate case name', () => {
    const cases = parsed(`
- name: one
  alert: { alertname: HighCPU, labels: { env: prod } }
  target: web-1
  state: { now: "2026-11-18T12:00:00Z" }
  expect: { environment: prd, rule: hi-cpu, freeze: xmas, approvers: [U0AAA, U0ZZZ] }
- name: one
  environment: stage
  action: scale
  target: web-1
  state: { now: "2026-11-18T12:00:00Z", pauses: [{ scope: environment, name: qa }] }
  expect: { requirement: one }
- name: undeclared action expected to be refused is fine
  environment: prod
  action: reboot-the-world
  target: everything
  state: { now: "2026-11-18T12:00:00Z" }
  expect: { refused: [not whitelisted] }
- name: no time with a freeze in the policy
  environment: prod
  action: scale-asg
  target: web-1
  expect: { requirement: one }
`);
    expect(checkCaseReferences(policy, cases).map((e) => `${e.line}: ${e.message}`)).toEqual([
      "6: [0].expect.environment: expects environment 'prd', which the policy does not declare (declared: dev, prod)",
      "6: [0].expect.rule: expects rule 'hi-cpu', which the policy does not declare (declared: high-cpu)",
      "6: [0].expect.freeze: expects freeze 'xmas', which the policy does not declare (declared: weekend)",
      '6: [0].expect.approvers[1]: U0ZZZ is in no approver group and not an admin, so no decision can name it',
      "7: [1].name: case name 'one' is also used at cases.yml:2; names identify cases in reports",
      "8: [1].environment: environment 'stage' is not declared in the policy (declared: dev, prod)",
      "9: [1].action: action 'scale' is not declared in the policy (declared: scale-asg); to check that it is refused, expect refused: [not whitelisted]",
      "11: [1].state.pauses[0].name: pauses environment 'qa', which the policy does not declare (declared: dev, prod)",
      "19: [3].name: state.now is required (in the case or the file's defaults) because the policy declares freezes (weekend): without it the outcome depends on the day the tests run",
    ]);
  });
});

describe('running cases', () => {
  const run = (text: string, now = WEDNESDAY) => runCases(policy, parsed(text), now);

  it('passes a case whose expectations hold', () => {
    const [r] = run(prodScaleOut('{ environment: prod, rule: high-cpu, freeze: null, requirement: one, approvers: [U0BBB, S0SRE, U0AAA] }'));
    expect(r).toMatchObject({ name: 'prod scale-out', passed: true, failures: [], line: 2 });
  });

  it('fails a case whose expectations do not hold, saying expected and got, with the trace', () => {
    const [r] = run(prodScaleOut('{ requirement: auto, approvers: [U0AAA] }'));
    expect(r!.passed).toBe(false);
    expect(r!.failures).toEqual(['expected requirement auto, got one', 'expected approvers U0AAA, got S0SRE, U0AAA, U0BBB']);
    expect(r!.trace[0]).toBe('now 2026-11-18T12:00:00.000Z (the current time: set state.now to pin it)');
    expect(r!.trace).toContain("environment 'prod': matched: env in [\"prod\"]");
    expect(r!.trace.some((t) => t.startsWith('requirement \'one\''))).toBe(true);
  });

  it('fails an expected refusal that does not happen, and one whose text differs', () => {
    const [allowed] = run(prodScaleOut('{ refused: [outside the bounds] }'));
    expect(allowed!.failures).toEqual(['expected a refusal containing "outside the bounds", got requirement one (allowed)']);
    const [other] = run(prodScaleOut('{ refused: [paused globally, outside the bounds] }').replace('desiredCapacity: 8', 'desiredCapacity: 30'));
    expect(other!.failures).toHaveLength(1);
    expect(other!.failures[0]).toMatch(/^expected a refusal reason containing "paused globally", got: desired capacity 30 is outside the bounds/);
  });

  it('says clearly when the alert routes to no environment', () => {
    const [r] = run(prodScaleOut('{ requirement: one }').replace('env: prod', 'env: qa'));
    expect(r!.failures).toEqual([
      'the alert routes to no environment (dev: env="qa" is not one of "dev"; prod: env="qa" is not one of "prod"); nothing can be decided. If that is intended, expect environment: null',
    ]);
    const [intended] = run(prodScaleOut('{ environment: null }').replace('env: prod', 'env: qa'));
    expect(intended!.passed).toBe(true);
  });

  it('turns the stated state into the evaluator state: budget, cooldown, pauses, freeze at now', () => {
    const state = (yaml: string, expect: string) => run(prodScaleOut(expect).replace('  expect:', `  state: ${yaml}\n  expect:`))[0]!;
    expect(state('{ budget_used: 4 }', '{ refused: [used up] }').passed).toBe(true);
    expect(state('{ last_execution: "2026-11-18T11:50:00Z" }', '{ refused: [in cooldown] }').passed).toBe(true);
    expect(state('{ pauses: [{ scope: environment, name: prod }] }', "{ refused: [\"environment 'prod' paused\"] }").passed).toBe(true);
    const frozen = state('{ now: "2026-11-21T12:00:00Z" }', '{ freeze: weekend, requirement: one, approvers: [U0ADM] }');
    expect(frozen).toMatchObject({ passed: true, failures: [] });
    expect(frozen.trace[0]).toBe('now 2026-11-21T12:00:00.000Z');
  });

  it('uses the given time for cases without state.now', () => {
    const saturday = new Date('2026-11-21T12:00:00Z');
    const [r] = run(prodScaleOut('{ freeze: null }'), saturday);
    expect(r!.failures).toEqual(['expected freeze none, got weekend at 2026-11-21T12:00:00.000Z']);
  });

  it('evaluates a case that names its environment, action and target directly', () => {
    const [c] = parsed(`
- name: direct
  environment: dev
  action: scale-asg
  target: web-1
  params: { desiredCapacity: 5 }
  current: { desiredCapacity: 4 }
  expect: { requirement: auto }
`);
    expect(runCase(policy, c!, WEDNESDAY)).toMatchObject({ passed: true, file: 'cases.yml', line: 2 });
  });
});
