import { describe, expect, it } from 'vitest';
import {
  eligibleApprovers,
  evaluateProposal,
  matchRule,
  requirementFor,
  resolveEnvironment,
  targetBounds,
} from '../../src/policy/evaluator.ts';
import type { Pause, PolicyDecision, ProposalInput } from '../../src/policy/evaluator.ts';
import { Policy } from '../../src/policy/schema.ts';

const verify = { after: '10m', signal: 'cpu-avg', below: 70 };
const scaleAsg = {
  executor: 'aws.autoscaling.set-desired-capacity',
  blast_radius: 'resource',
  reversible: true,
  approvers: ['sre-oncall'],
  targets: [
    { asg: 'web-canary-*', min: 1, max: 4, max_step: 1 },
    { asg: 'web-*', min: 2, max: 20, max_step: 6 },
  ],
  rollback: 'restore-previous-capacity',
  verify,
  cooldown: '15m',
  budget: { max: 4, per: '1h' },
};
const batchAction = (extra: Record<string, unknown>) => ({
  executor: 'aws.autoscaling.set-desired-capacity',
  blast_radius: 'service',
  reversible: true,
  approvers: ['sre-oncall', 'platform-leads'],
  targets: [{ asg: 'batch-?', min: 0, max: 50, max_step: 10 }],
  rollback: 'restore-previous-capacity',
  verify,
  ...extra,
});

// Input to `Policy.parse`: parsed through the schema so the tests cannot drift from what the loader produces.
const raw = {
  environments: {
    prod: { channel: 'C0PROD', match: { env: ['prod', 'production'] } },
    dev: { channel: 'C0DEV', match: { env: ['dev'], team: ['web'] } },
    staging: { channel: 'C0STAGE' },
  },
  approvers: {
    'sre-oncall': { users: ['U0BBB', 'U0AAA'], usergroups: ['S0SRE'] },
    'platform-leads': { users: ['U0CCC', 'U0AAA'], usergroups: ['S0LEADS', 'S0SRE'] },
    solo: { users: ['U0SOLO'] },
  },
  admins: ['U0CCC', 'U0ADM'],
  requirements: {
    prod: { resource: 'one', service: 'two', environment: 'advisory', global: 'advisory' },
    staging: { resource: 'auto', service: 'one', environment: 'two', global: 'advisory' },
    dev: { resource: 'auto', service: 'auto', environment: 'one', global: 'advisory' },
  },
  actions: {
    'scale-asg': scaleAsg,
    'scale-batch': batchAction({ requirement: 'two' }),
    'scale-solo': batchAction({ approvers: ['solo'], targets: [{ asg: 'solo-*', min: 0, max: 5, max_step: 5 }] }),
    'scale-loose': batchAction({ requirement: 'auto' }),
    'scale-manual': batchAction({ blast_radius: 'resource', requirement: 'advisory' }),
    'failover-db': batchAction({ blast_radius: 'environment', targets: [{ asg: 'db-*', min: 1, max: 2, max_step: 1 }] }),
  },
  rules: [
    { name: 'web-cpu', when: { alertname: 'HighCPU', service: 'web' }, diagnose: 'cpu-saturation', candidates: ['scale-asg'] },
    { name: 'any-cpu', when: { alertname: 'HighCPU' }, diagnose: 'cpu-saturation', candidates: ['scale-batch'] },
  ],
  freezes: [{ name: 'weekend', cron: '0 18 * * FRI', for: '62h', environments: ['prod', 'dev'], reason: 'weekend change freeze' }],
  time_limits: { approval: '30m', execution: '15m' },
  origin: {
    'environments.prod': 'policies/10-environments.yml:2',
    'requirements.prod.resource': 'policies/20-requirements.yml:2',
    'requirements.prod.environment': 'policies/20-requirements.yml:2',
    'actions.scale-asg': 'policies/30-actions.yml:2',
    'actions.scale-asg.targets[1]': 'policies/30-actions.yml:9',
    'actions.scale-asg.budget': 'policies/30-actions.yml:12',
    'actions.scale-asg.cooldown': 'policies/30-actions.yml:13',
    'actions.scale-batch.requirement': 'policies/30-actions.yml:21',
    'actions.scale-manual.requirement': 'policies/30-actions.yml:40',
    'freezes.weekend': 'policies/40-freezes.yml:2',
  },
};
const policy = Policy.parse(raw);
const variant = (patch: Record<string, unknown>) => Policy.parse({ ...raw, ...patch });

// A Wednesday: no freeze. The weekend freeze runs Friday 18:00 to Monday 08:00 UTC.
const wednesday = new Date('2026-11-18T10:00:00.000Z');
const saturday = new Date('2026-11-21T10:00:00.000Z');
const state = { now: wednesday, budgetUsed: 0, lastExecutionAt: null, pauses: [] };
const base: ProposalInput = {
  environment: 'prod',
  action: 'scale-asg',
  target: 'web-frontend',
  params: { desiredCapacity: 10 },
  current: { desiredCapacity: 6 },
  confidence: 0.9,
  state,
};
const at = new Date('2026-11-18T09:30:00.000Z');
const pause = (scope: Pause['scope'], name: string | null, reason = 'investigating'): Pause => ({ scope, name, by: 'U0CCC', reason, at });
const withState = (patch: Partial<ProposalInput['state']>): ProposalInput => ({ ...base, state: { ...state, ...patch } });
const reasonsOf = (d: PolicyDecision) => (d.ok ? [] : d.reasons);
const reasonsFor = (input: ProposalInput, p = policy) => reasonsOf(evaluateProposal(p, input));
const REFUSED = 'refused: advisory only, a human implements';

describe('resolveEnvironment', () => {
  it('takes the first environment, in declared order, whose labels all match', () => {
    expect(resolveEnvironment(policy, { labels: { env: 'production' } })).toEqual({ name: 'prod', channel: 'C0PROD' });
    expect(resolveEnvironment(policy, { labels: { env: 'dev', team: 'web' } })).toEqual({ name: 'dev', channel: 'C0DEV' });
    // One dev label missing: falls through to the catch-all.
    expect(resolveEnvironment(policy, { labels: { env: 'dev' } })).toEqual({ name: 'staging', channel: 'C0STAGE' });
  });

  it('returns null without a catch-all, and never matches inherited properties', () => {
    const strict = { ...policy, environments: { tricky: { channel: 'C0X', match: { toString: ['x'] } } } };
    expect(resolveEnvironment(strict, { labels: {} })).toBeNull();
    expect(resolveEnvironment(strict, { labels: { toString: 'x' } })).toEqual({ name: 'tricky', channel: 'C0X' });
  });
});

describe('matchRule', () => {
  it('matches alertname against the alert name and other keys against labels, first rule first', () => {
    expect(matchRule(policy, { name: 'HighCPU', labels: { service: 'web' } })?.name).toBe('web-cpu');
    expect(matchRule(policy, { name: 'HighCPU', labels: { service: 'batch' } })?.name).toBe('any-cpu');
    // A label called alertname does not stand in for the alert's name.
    expect(matchRule(policy, { name: 'DiskFull', labels: { alertname: 'HighCPU' } })).toBeNull();
  });
});

describe('targetBounds', () => {
  it('uses the first target pattern that matches', () => {
    expect(targetBounds(policy, 'scale-asg', 'web-canary-1')).toEqual({ min: 1, max: 4, maxStep: 1, pattern: 'web-canary-*' });
    expect(targetBounds(policy, 'scale-asg', 'web-1')).toEqual({ min: 2, max: 20, maxStep: 6, pattern: 'web-*' });
    expect(targetBounds(policy, 'scale-batch', 'batch-7')).toEqual({ min: 0, max: 50, maxStep: 10, pattern: 'batch-?' });
  });

  it('returns null for an unmatched target or an undeclared action, including prototype names', () => {
    expect(targetBounds(policy, 'scale-asg', 'api-1')).toBeNull();
    expect(targetBounds(policy, 'scale-batch', 'batch-17')).toBeNull();
    expect(targetBounds(policy, 'reboot', 'web-1')).toBeNull();
    expect(targetBounds(policy, 'constructor', 'web-1')).toBeNull();
  });
});

describe('eligibleApprovers', () => {
  it('names the groups in declared order and their distinct members, sorted', () => {
    expect(eligibleApprovers(policy, 'scale-asg')).toEqual({ groups: ['sre-oncall'], users: ['U0AAA', 'U0BBB'], usergroups: ['S0SRE'] });
    expect(eligibleApprovers(policy, 'scale-batch')).toEqual({
      groups: ['sre-oncall', 'platform-leads'],
      users: ['U0AAA', 'U0BBB', 'U0CCC'],
      usergroups: ['S0LEADS', 'S0SRE'],
    });
  });

  it('names nobody for an undeclared action, including prototype names', () => {
    for (const action of ['nope', 'constructor', '__proto__']) {
      expect(eligibleApprovers(policy, action)).toEqual({ groups: [], users: [], usergroups: [] });
    }
  });
});

describe('requirementFor', () => {
  it('reads the matrix cell for the environment and the blast radius, citing it', () => {
    expect(requirementFor(policy, 'prod', 'scale-asg')).toEqual({
      requirement: 'one',
      matrixRequirement: 'one',
      trace: ["requirements.prod.resource is 'one' (policies/20-requirements.yml:2)"],
    });
  });

  it("lets the action's own requirement make it stricter, never looser", () => {
    expect(requirementFor(policy, 'staging', 'scale-batch')).toEqual({
      requirement: 'two',
      matrixRequirement: 'one',
      trace: ["requirements.staging.service is 'one'", "actions.scale-batch.requirement raises it to 'two' (policies/30-actions.yml:21)"],
    });
    expect(requirementFor(policy, 'prod', 'scale-batch')).toEqual({
      requirement: 'two',
      matrixRequirement: 'two',
      trace: ["requirements.prod.service is 'two'", "actions.scale-batch.requirement is also 'two' (policies/30-actions.yml:21)"],
    });
    expect(requirementFor(policy, 'prod', 'scale-loose')).toEqual({
      requirement: 'two',
      matrixRequirement: 'two',
      trace: ["requirements.prod.service is 'two'", "actions.scale-loose.requirement 'auto' is looser than the matrix cell and cannot lower it"],
    });
  });

  it('is null without a matrix row or a whitelisted action, including prototype names', () => {
    expect(requirementFor(policy, 'qa', 'scale-asg')).toBeNull();
    expect(requirementFor(policy, 'constructor', 'scale-asg')).toBeNull();
    expect(requirementFor(policy, 'prod', 'reboot')).toBeNull();
    expect(requirementFor(policy, 'prod', '__proto__')).toBeNull();
  });
});

describe('evaluateProposal: allowed', () => {
  it('allows a whitelisted action within bounds and says what decided, citing the policy lines', () => {
    expect(evaluateProposal(policy, base)).toEqual({
      ok: true,
      requirement: 'one',
      matrixRequirement: 'one',
      approvers: { groups: ['sre-oncall'], users: ['U0AAA', 'U0BBB'], usergroups: ['S0SRE'] },
      freeze: null,
      bounds: { min: 2, max: 20, maxStep: 6, pattern: 'web-*' },
      trace: [
        "environment 'prod' posts to C0PROD (policies/10-environments.yml:2)",
        "action 'scale-asg' is whitelisted: executor aws.autoscaling.set-desired-capacity, blast radius resource (policies/30-actions.yml:2)",
        "target 'web-frontend' matches pattern 'web-*': min 2, max 20, max_step 6 (policies/30-actions.yml:9)",
        "requirements.prod.resource is 'one' (policies/20-requirements.yml:2)",
        'budget 0 of 4 in 1h used (policies/30-actions.yml:12)',
        "cooldown 15m: no earlier execution on 'web-frontend' (policies/30-actions.yml:13)",
        "requirement 'one'; eligible approvers: groups sre-oncall; users U0AAA, U0BBB; user groups S0SRE",
      ],
    });
  });

  it('cites nothing when the policy carries no origins', () => {
    const { origin: _omitted, ...noOrigin } = raw;
    const decision = evaluateProposal(Policy.parse(noOrigin), base);
    expect(decision.trace.slice(0, 2)).toEqual([
      "environment 'prod' posts to C0PROD",
      "action 'scale-asg' is whitelisted: executor aws.autoscaling.set-desired-capacity, blast radius resource",
    ]);
    expect(decision.trace.join('\n')).not.toContain('policies/');
  });

  it("uses the action's stricter requirement and keeps the matrix cell alongside", () => {
    const decision = evaluateProposal(policy, { ...base, environment: 'staging', action: 'scale-batch', target: 'batch-1' });
    expect(decision).toMatchObject({ ok: true, requirement: 'two', matrixRequirement: 'one' });
  });

  it('returns auto when the matrix cell allows it', () => {
    const decision = evaluateProposal(policy, { ...base, environment: 'staging' });
    expect(decision).toMatchObject({ ok: true, requirement: 'auto', matrixRequirement: 'auto' });
  });

  it('checks no capacity when the action takes none', () => {
    const { current: _omitted, ...noCurrent } = base;
    expect(evaluateProposal(policy, { ...noCurrent, params: {} })).toMatchObject({ ok: true, requirement: 'one' });
  });

  it('never reads the confidence', () => {
    for (const confidence of [0, 0.5, 1, Number.NaN]) {
      expect(evaluateProposal(policy, { ...base, confidence })).toEqual(evaluateProposal(policy, base));
      expect(evaluateProposal(policy, { ...base, environment: 'prod', action: 'failover-db', target: 'db-1', confidence })).toMatchObject({ ok: false });
    }
  });
});

describe('evaluateProposal: whitelist and bounds', () => {
  it.each(['reboot-everything', 'constructor', '__proto__', 'toString'])('refuses the undeclared action %s', (action) => {
    const decision = evaluateProposal(policy, { ...base, action });
    expect(decision).toEqual({
      ok: false,
      requirement: 'advisory',
      reasons: [`action '${action}' is not whitelisted`],
      trace: ["environment 'prod' posts to C0PROD (policies/10-environments.yml:2)", REFUSED],
    });
  });

  it('still reports the environment and the pauses when the action is not whitelisted', () => {
    expect(reasonsFor({ ...withState({ pauses: [pause('global', null)] }), environment: 'qa', action: 'reboot' })).toEqual([
      "environment 'qa' is not declared in the policy",
      "action 'reboot' is not whitelisted",
      'paused globally by U0CCC at 2026-11-18T09:30:00.000Z: investigating',
    ]);
  });

  it('turns a target outside every pattern into advisory, naming the patterns', () => {
    expect(evaluateProposal(policy, { ...base, target: 'api-1' })).toMatchObject({
      ok: false,
      requirement: 'advisory',
      reasons: ["target 'api-1' matches no target pattern of action 'scale-asg' (patterns: web-canary-*, web-*)"],
    });
  });

  it('states the numbers of every bounds violation, all of them', () => {
    expect(reasonsFor({ ...base, params: { desiredCapacity: 21 }, current: { desiredCapacity: 20 } })).toEqual([
      "desired capacity 21 is outside the bounds [2, 20] of target pattern 'web-*'",
    ]);
    expect(reasonsFor({ ...base, params: { desiredCapacity: 13 }, current: { desiredCapacity: 6 } })).toEqual([
      "step of 7 (from 6 to 13) exceeds max_step 6 of target pattern 'web-*'",
    ]);
    // An undeclared environment has no matrix row either; that is said once.
    expect(reasonsFor({ ...base, environment: 'qa', params: { desiredCapacity: 1 }, current: { desiredCapacity: 10 } })).toEqual([
      "environment 'qa' is not declared in the policy",
      "desired capacity 1 is outside the bounds [2, 20] of target pattern 'web-*'",
      "step of 9 (from 10 to 1) exceeds max_step 6 of target pattern 'web-*'",
    ]);
  });

  it('fails closed on capacities it cannot check', () => {
    const { current: _omitted, ...noCurrent } = base;
    expect(reasonsFor(noCurrent)).toEqual(['current capacity is unknown, so the step to 10 cannot be checked against max_step 6']);
    expect(reasonsFor({ ...base, params: { desiredCapacity: Number.NaN } })).toEqual(['desired capacity NaN is not a whole number']);
    expect(reasonsFor({ ...base, params: { desiredCapacity: 7.5 } })).toEqual(['desired capacity 7.5 is not a whole number']);
    expect(reasonsFor({ ...base, current: { desiredCapacity: Number.POSITIVE_INFINITY } })).toEqual(['current capacity Infinity is not a whole number']);
  });
});

describe('evaluateProposal: kill switch', () => {
  it('refuses under a global pause, a pause of this environment or of this action, naming who and why', () => {
    const pauses = [pause('global', null, 'incident review'), pause('environment', 'prod'), pause('action', 'scale-asg', '')];
    expect(reasonsFor(withState({ pauses }))).toEqual([
      'paused globally by U0CCC at 2026-11-18T09:30:00.000Z: incident review',
      "environment 'prod' paused by U0CCC at 2026-11-18T09:30:00.000Z: investigating",
      "action 'scale-asg' paused by U0CCC at 2026-11-18T09:30:00.000Z",
    ]);
  });

  it('ignores pauses of other environments and other actions', () => {
    const pauses = [pause('environment', 'staging'), pause('action', 'scale-batch')];
    expect(evaluateProposal(policy, withState({ pauses }))).toMatchObject({ ok: true, requirement: 'one' });
  });

  it('turns auto into one while the autonomous tier is paused, and says who paused it', () => {
    const decision = evaluateProposal(policy, { ...withState({ pauses: [pause('auto', null, 'bad deploy')] }), environment: 'staging' });
    expect(decision).toMatchObject({ ok: true, requirement: 'one', matrixRequirement: 'auto' });
    expect(decision.trace).toContain("autonomous tier paused by U0CCC at 2026-11-18T09:30:00.000Z: bad deploy; 'auto' becomes 'one'");
    expect(decision.trace.at(-1)).toBe("requirement 'one'; eligible approvers: groups sre-oncall; users U0AAA, U0BBB; user groups S0SRE");
  });

  it('leaves a requirement above auto alone under an auto pause', () => {
    const decision = evaluateProposal(policy, withState({ pauses: [pause('auto', null)] }));
    expect(decision).toMatchObject({ ok: true, requirement: 'one' });
    expect(decision.trace.join('\n')).not.toContain('autonomous tier');
  });
});

describe('evaluateProposal: budget and cooldown', () => {
  it('refuses once the budget is used up, citing it', () => {
    expect(reasonsFor(withState({ budgetUsed: 4 }))).toEqual([
      "budget of action 'scale-asg' is used up: 4 of 4 executions in the last 1h (policies/30-actions.yml:12)",
    ]);
    expect(evaluateProposal(policy, withState({ budgetUsed: 3 })).trace).toContain('budget 3 of 4 in 1h used (policies/30-actions.yml:12)');
  });

  it('refuses a budget count that is not a number (fail closed)', () => {
    expect(reasonsFor(withState({ budgetUsed: Number.NaN }))).toEqual([
      "budget of action 'scale-asg' is used up: NaN of 4 executions in the last 1h (policies/30-actions.yml:12)",
    ]);
  });

  it('refuses a target in cooldown until the cooldown has passed', () => {
    const last = new Date('2026-11-18T09:50:00.000Z');
    expect(reasonsFor(withState({ lastExecutionAt: last }))).toEqual([
      "target 'web-frontend' is in cooldown for action 'scale-asg' until 2026-11-18T10:05:00.000Z (last execution 2026-11-18T09:50:00.000Z, cooldown 15m) (policies/30-actions.yml:13)",
    ]);
    // Exactly at its end the cooldown is over.
    const over = evaluateProposal(policy, withState({ lastExecutionAt: new Date('2026-11-18T09:45:00.000Z') }));
    expect(over.ok).toBe(true);
    expect(over.trace).toContain(
      "cooldown 15m: last execution on 'web-frontend' at 2026-11-18T09:45:00.000Z, over since 2026-11-18T10:00:00.000Z (policies/30-actions.yml:13)",
    );
  });

  it('refuses a cooldown it cannot compute (fail closed)', () => {
    expect(reasonsFor(withState({ lastExecutionAt: new Date(Number.NaN) }))).toEqual([
      "target 'web-frontend' is in cooldown for action 'scale-asg' until an unknown time (last execution an unknown time, cooldown 15m) (policies/30-actions.yml:13)",
    ]);
  });

  it('checks neither when the action declares neither', () => {
    const decision = evaluateProposal(policy, { ...withState({ budgetUsed: 99, lastExecutionAt: wednesday }), action: 'scale-batch', target: 'batch-1' });
    expect(decision).toMatchObject({ ok: true, requirement: 'two' });
  });
});

describe('evaluateProposal: requirement', () => {
  it('refuses an advisory matrix cell, citing the cell', () => {
    const decision = evaluateProposal(policy, { ...base, action: 'failover-db', target: 'db-1', params: {} });
    expect(decision).toMatchObject({
      ok: false,
      reasons: ['requirements.prod.environment is advisory: a human implements this change (policies/20-requirements.yml:2)'],
    });
    expect(decision.trace.at(-1)).toBe(REFUSED);
  });

  it("refuses an action whose own requirement is advisory, citing the action's line", () => {
    expect(reasonsFor({ ...base, environment: 'dev', action: 'scale-manual', target: 'batch-1', params: {} })).toEqual([
      'actions.scale-manual.requirement is advisory: a human implements this change (policies/30-actions.yml:40)',
    ]);
  });

  it('refuses a declared environment that has no row in the matrix', () => {
    const { staging: _omitted, ...rows } = raw.requirements;
    expect(reasonsFor({ ...base, environment: 'staging' }, variant({ requirements: rows }))).toEqual([
      "environment 'staging' has no row in requirements, so no approval requirement is defined for it",
    ]);
  });

  it('refuses a requirement the named groups can never satisfy', () => {
    const decision = evaluateProposal(policy, { ...base, action: 'scale-solo', target: 'solo-1', params: { desiredCapacity: 1 }, current: { desiredCapacity: 0 } });
    expect(decision).toMatchObject({
      ok: false,
      reasons: ["requirement 'two' needs 2 distinct eligible approver(s) but the approver groups of action 'scale-solo' name 1 user(s) and no user group"],
    });
    expect(decision.trace.at(-1)).toBe(REFUSED);
  });

  it('counts a Slack user group as enough approvers, even for two', () => {
    const groups = { ...raw.approvers, solo: { users: ['U0SOLO'], usergroups: ['S0SOLO'] } };
    const input = { ...base, action: 'scale-solo', target: 'solo-1', params: {} };
    expect(evaluateProposal(variant({ approvers: groups }), input)).toMatchObject({ ok: true, requirement: 'two' });
  });
});

describe('evaluateProposal: freeze', () => {
  const admins = { groups: ['admins'], users: ['U0ADM', 'U0CCC'], usergroups: [] };
  const freeze = {
    name: 'weekend',
    from: new Date('2026-11-20T18:00:00.000Z'),
    until: new Date('2026-11-23T08:00:00.000Z'),
    reason: 'weekend change freeze',
  };
  const freezeLine =
    "freeze 'weekend' is active from 2026-11-20T18:00:00.000Z until 2026-11-23T08:00:00.000Z: weekend change freeze; only admins may approve and the requirement is at least 'one' (policies/40-freezes.yml:2)";

  it('lets only the admins approve during a freeze', () => {
    const decision = evaluateProposal(policy, withState({ now: saturday }));
    expect(decision).toMatchObject({ ok: true, requirement: 'one', matrixRequirement: 'one', approvers: admins, freeze });
    expect(decision.trace.slice(-4)).toEqual([
      freezeLine,
      'budget 0 of 4 in 1h used (policies/30-actions.yml:12)',
      "cooldown 15m: no earlier execution on 'web-frontend' (policies/30-actions.yml:13)",
      "requirement 'one'; eligible approvers: groups admins; users U0ADM, U0CCC; user groups none",
    ]);
  });

  it('turns auto into one during a freeze', () => {
    const decision = evaluateProposal(policy, { ...withState({ now: saturday }), environment: 'dev' });
    expect(decision).toMatchObject({ ok: true, requirement: 'one', matrixRequirement: 'auto', approvers: admins });
  });

  it('does not touch environments the freeze does not name', () => {
    expect(evaluateProposal(policy, { ...withState({ now: saturday }), environment: 'staging' })).toMatchObject({ ok: true, requirement: 'auto', freeze: null });
  });

  it('refuses during a freeze when the policy names no admins', () => {
    expect(reasonsFor(withState({ now: saturday }), variant({ admins: [] }))).toEqual([
      "freeze 'weekend' is active until 2026-11-23T08:00:00.000Z and the policy names no admins who could approve",
    ]);
  });

  it('refuses two during a freeze when fewer than two admins exist', () => {
    const input = { ...withState({ now: saturday }), action: 'scale-batch', target: 'batch-1' };
    expect(reasonsFor(input, variant({ admins: ['U0CCC'] }))).toEqual([
      "requirement 'two' needs 2 distinct eligible approver(s) but the admins (only they approve during a freeze) name 1 user(s) and no user group",
    ]);
    expect(evaluateProposal(policy, input)).toMatchObject({ ok: true, requirement: 'two', approvers: admins });
  });

  it('collects every reason at once', () => {
    const input: ProposalInput = {
      ...withState({ now: saturday, budgetUsed: 9, lastExecutionAt: new Date('2026-11-21T09:59:00.000Z'), pauses: [pause('action', 'scale-asg')] }),
      params: { desiredCapacity: 40 },
    };
    expect(reasonsFor(input, variant({ admins: [] }))).toEqual([
      "desired capacity 40 is outside the bounds [2, 20] of target pattern 'web-*'",
      "step of 34 (from 6 to 40) exceeds max_step 6 of target pattern 'web-*'",
      "action 'scale-asg' paused by U0CCC at 2026-11-18T09:30:00.000Z: investigating",
      "freeze 'weekend' is active until 2026-11-23T08:00:00.000Z and the policy names no admins who could approve",
      "budget of action 'scale-asg' is used up: 9 of 4 executions in the last 1h (policies/30-actions.yml:12)",
      "target 'web-frontend' is in cooldown for action 'scale-asg' until 2026-11-21T10:14:00.000Z (last execution 2026-11-21T09:59:00.000Z, cooldown 15m) (policies/30-actions.yml:13)",
    ]);
  });
});
