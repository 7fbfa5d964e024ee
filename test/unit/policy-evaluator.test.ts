import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eligibleApprovers, evaluateProposal, matchRule, resolveEnvironment, targetBounds } from '../../src/policy/evaluator.ts';
import type { ProposalInput } from '../../src/policy/evaluator.ts';
import { Policy } from '../../src/policy/schema.ts';

// Parsed through the schema so the tests cannot drift from what the loader produces.
const policy = Policy.parse({
  environments: {
    prod: { channel: 'C0PROD', match: { env: ['prod', 'production'] } },
    dev: { channel: 'C0DEV', match: { env: ['dev'], team: ['web'] } },
    staging: { channel: 'C0STAGE' },
  },
  approvers: {
    'sre-oncall': { users: ['U0BBB', 'U0AAA'] },
    'platform-leads': { users: ['U0CCC', 'U0AAA'] },
    solo: { users: ['U0SOLO'] },
  },
  actions: {
    'scale-asg': {
      executor: 'aws.autoscaling.set-desired-capacity',
      blast_radius: 'resource',
      requirement: 'one',
      approvers: ['sre-oncall'],
      targets: [
        { asg: 'web-canary-*', min: 1, max: 4, max_step: 1 },
        { asg: 'web-*', min: 2, max: 20, max_step: 6 },
      ],
      rollback: 'restore-previous-capacity',
    },
    'scale-batch': {
      executor: 'aws.autoscaling.set-desired-capacity',
      blast_radius: 'service',
      requirement: 'two',
      approvers: ['sre-oncall', 'platform-leads'],
      targets: [{ asg: 'batch-?', min: 0, max: 50, max_step: 10 }],
      rollback: 'restore-previous-capacity',
    },
    // Only reachable with a hand-built policy: the loader refuses 'two' with a one-person group.
    'scale-solo': {
      executor: 'aws.autoscaling.set-desired-capacity',
      blast_radius: 'service',
      requirement: 'two',
      approvers: ['solo'],
      targets: [{ asg: 'solo-*', min: 0, max: 5, max_step: 5 }],
      rollback: 'restore-previous-capacity',
    },
  },
  rules: [
    { name: 'web-cpu', when: { alertname: 'HighCPU', service: 'web' }, diagnose: 'cpu-saturation', candidates: ['scale-asg'] },
    { name: 'any-cpu', when: { alertname: 'HighCPU' }, diagnose: 'cpu-saturation', candidates: ['scale-batch'] },
  ],
});

const base: ProposalInput = {
  environment: 'prod',
  action: 'scale-asg',
  target: 'web-frontend',
  params: { desiredCapacity: 10 },
  current: { desiredCapacity: 6 },
  confidence: 0.9,
};

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
  it('returns the distinct users of the named groups, sorted', () => {
    expect(eligibleApprovers(policy, 'scale-asg')).toEqual(['U0AAA', 'U0BBB']);
    expect(eligibleApprovers(policy, 'scale-batch')).toEqual(['U0AAA', 'U0BBB', 'U0CCC']);
    expect(eligibleApprovers(policy, 'nope')).toEqual([]);
  });
});

describe('evaluateProposal', () => {
  it('allows a whitelisted action within bounds and says what decided', () => {
    expect(evaluateProposal(policy, base)).toEqual({
      ok: true,
      requirement: 'one',
      approvers: ['U0AAA', 'U0BBB'],
      bounds: { min: 2, max: 20, maxStep: 6, pattern: 'web-*' },
      trace: [
        "environment 'prod' (channel C0PROD)",
        "action 'scale-asg' is whitelisted (executor aws.autoscaling.set-desired-capacity, blast radius resource)",
        "target 'web-frontend' matches pattern 'web-*' (min 2, max 20, max_step 6)",
        "requirement 'one' from actions.scale-asg.requirement",
      ],
    });
    const two = evaluateProposal(policy, { ...base, action: 'scale-batch', target: 'batch-1' });
    expect(two).toMatchObject({ ok: true, requirement: 'two', approvers: ['U0AAA', 'U0BBB', 'U0CCC'] });
  });

  it.each(['reboot-everything', 'constructor', '__proto__', 'toString'])('refuses the undeclared action %s', (action) => {
    const decision = evaluateProposal(policy, { ...base, action });
    expect(decision).toMatchObject({ ok: false, requirement: 'advisory', reasons: [`action '${action}' is not whitelisted`] });
  });

  it('turns a target outside every pattern into advisory, naming the patterns', () => {
    expect(evaluateProposal(policy, { ...base, target: 'api-1' })).toMatchObject({
      ok: false,
      requirement: 'advisory',
      reasons: ["target 'api-1' matches no target pattern of action 'scale-asg' (patterns: web-canary-*, web-*)"],
    });
  });

  it('states the numbers of every bounds violation, all of them', () => {
    const reasonsFor = (input: ProposalInput) => {
      const d = evaluateProposal(policy, input);
      return d.ok ? [] : d.reasons;
    };
    expect(reasonsFor({ ...base, params: { desiredCapacity: 21 }, current: { desiredCapacity: 20 } })).toEqual([
      "desired capacity 21 is outside the bounds [2, 20] of target pattern 'web-*'",
    ]);
    expect(reasonsFor({ ...base, params: { desiredCapacity: 13 }, current: { desiredCapacity: 6 } })).toEqual([
      "step of 7 (from 6 to 13) exceeds max_step 6 of target pattern 'web-*'",
    ]);
    expect(reasonsFor({ ...base, environment: 'qa', params: { desiredCapacity: 1 }, current: { desiredCapacity: 10 } })).toEqual([
      "environment 'qa' is not declared in the policy",
      "desired capacity 1 is outside the bounds [2, 20] of target pattern 'web-*'",
      "step of 9 (from 10 to 1) exceeds max_step 6 of target pattern 'web-*'",
    ]);
  });

  it('fails closed on capacities it cannot check', () => {
    const reasonsFor = (input: ProposalInput) => {
      const d = evaluateProposal(policy, input);
      return d.ok ? [] : d.reasons;
    };
    const { current: _omitted, ...noCurrent } = base;
    expect(reasonsFor(noCurrent)).toEqual(['current capacity is unknown, so the step to 10 cannot be checked against max_step 6']);
    expect(reasonsFor({ ...base, params: { desiredCapacity: Number.NaN } })).toEqual(['desired capacity NaN is not a whole number']);
    expect(reasonsFor({ ...base, params: { desiredCapacity: 7.5 } })).toEqual(['desired capacity 7.5 is not a whole number']);
    expect(reasonsFor({ ...base, current: { desiredCapacity: Number.POSITIVE_INFINITY } })).toEqual(['current capacity Infinity is not a whole number']);
  });

  it('checks no capacity when the action takes none', () => {
    const { current: _omitted, ...noCurrent } = base;
    expect(evaluateProposal(policy, { ...noCurrent, params: {} })).toMatchObject({ ok: true, requirement: 'one' });
  });

  it('refuses a requirement the named groups can never satisfy', () => {
    const decision = evaluateProposal(policy, { ...base, action: 'scale-solo', target: 'solo-1', params: { desiredCapacity: 1 }, current: { desiredCapacity: 0 } });
    expect(decision).toMatchObject({
      ok: false,
      reasons: ["requirement 'two' needs 2 distinct eligible approver(s) but the action names 1"],
    });
    expect(decision.trace.at(-1)).toBe('refused: advisory only, a human implements');
  });
});

describe('evaluateProposal properties', () => {
  const odd = fc.oneof(fc.double({ min: -5, max: 120 }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
  // Capacities are drawn near the bounds and near the step limit, where mistakes live.
  const scenario = fc
    .record({
      min: fc.integer({ min: 0, max: 50 }),
      span: fc.integer({ min: 0, max: 50 }),
      maxStep: fc.integer({ min: 1, max: 30 }),
      requirement: fc.constantFrom('auto', 'one', 'two', 'advisory'),
      confidences: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
    })
    .chain((s) =>
      fc.record({
        s: fc.constant(s),
        desired: fc.option(fc.oneof(fc.integer({ min: s.min - 3, max: s.min + s.span + 3 }), odd), { nil: undefined }),
        currentOffset: fc.option(fc.oneof(fc.integer({ min: -s.maxStep - 2, max: s.maxStep + 2 }), odd), { nil: undefined }),
      }),
    );

  it('never allows a capacity outside bounds or a step past max_step, and ignores confidence', () => {
    fc.assert(
      fc.property(scenario, ({ s, desired, currentOffset }) => {
        const max = s.min + s.span;
        const current = currentOffset === undefined ? undefined : (desired ?? s.min) + currentOffset;
        const generated = Policy.parse({
          ...policy,
          actions: {
            'scale-asg': { ...policy.actions['scale-asg'], requirement: s.requirement, approvers: ['sre-oncall'], targets: [{ asg: 'web-*', min: s.min, max, max_step: s.maxStep }] },
          },
        });
        const input: ProposalInput = {
          ...base,
          params: desired === undefined ? {} : { desiredCapacity: desired },
          current: current === undefined ? undefined : { desiredCapacity: current },
        };
        const [a, b] = s.confidences.map((confidence) => evaluateProposal(generated, { ...input, confidence }));
        // The whole decision, not only the requirement, is independent of confidence.
        expect(a).toEqual(b);
        expect(a?.requirement).toBe(b?.requirement);
        if (a?.ok) expect(a.requirement).toBe(s.requirement);
        if (a?.ok && desired !== undefined) {
          expect(Number.isInteger(desired)).toBe(true);
          expect(desired).toBeGreaterThanOrEqual(s.min);
          expect(desired).toBeLessThanOrEqual(max);
          expect(current).toBeDefined();
          expect(Math.abs(desired - (current ?? Number.NaN))).toBeLessThanOrEqual(s.maxStep);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
