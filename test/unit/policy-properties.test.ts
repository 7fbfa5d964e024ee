import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requirementOrder } from '../../src/policy/decision.ts';
import type { Pause, ProposalInput } from '../../src/policy/decision.ts';
import { eligibleApprovers, evaluateProposal } from '../../src/policy/evaluator.ts';
import { activeFreeze } from '../../src/policy/freeze.ts';
import { matchesGlob, ownValue } from '../../src/policy/matchers.ts';
import { Policy, durationMs } from '../../src/policy/schema.ts';
import type { Requirement } from '../../src/domain/proposal.ts';

// Small name pools so that generated inputs often hit what the generated policy declares, and
// sometimes miss it (including names that exist on Object.prototype).
const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
const ACTIONS = ['scale-a', 'scale-b'] as const;
const GROUPS = ['g1', 'g2'] as const;
const PATTERNS = ['web-*', 'web-?', 'db-*', 'api-*', '*'];
const TARGETS = ['web-1', 'web-12', 'db-1'];
const USERS = ['U0A', 'U0B', 'U0C', 'U0D'];
const requirement = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<Requirement>('auto', 'one', 'two') }, { weight: 1, arbitrary: fc.constant<Requirement>('advisory') });
const some = <T>(items: readonly T[], minLength = 0) => fc.subarray([...items], { minLength });
// Mostly a declared name, sometimes one that is not (the refusals are the point of the whitelist).
const mostly = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: rare });
const rank = (r: Requirement) => requirementOrder.indexOf(r);

const row = fc.record({ resource: requirement, service: requirement, environment: requirement, global: requirement });
const target = fc
  .record({ asg: fc.constantFrom(...PATTERNS), min: fc.integer({ min: 0, max: 5 }), span: fc.integer({ min: 0, max: 30 }), max_step: fc.integer({ min: 1, max: 8 }) })
  .map(({ span, ...t }) => ({ ...t, max: t.min + span }));
const action = fc.record(
  {
    executor: fc.constant('aws.autoscaling.set-desired-capacity'),
    blast_radius: fc.constantFrom('resource', 'service', 'environment', 'global'),
    reversible: fc.boolean(),
    requirement,
    approvers: some(GROUPS),
    targets: fc.array(target, { minLength: 1, maxLength: 3 }),
    rollback: fc.constant('restore-previous-capacity'),
    verify: fc.constant({ after: '10m', signal: 'cpu-avg', below: 70 }),
    cooldown: fc.constantFrom('1m', '15m', '1h'),
    budget: fc.record({ max: fc.integer({ min: 1, max: 5 }), per: fc.constant('1h') }),
  },
  { requiredKeys: ['executor', 'blast_radius', 'reversible', 'approvers', 'targets', 'rollback', 'verify'] },
);
// Always open, open half the time (in a time zone with a half-hour offset), open on weekends,
// and seldom open. Time-zone edges are covered in policy-freeze.test.ts.
const freeze = fc
  .record({
    template: fc.constantFrom(
      { cron: '* * * * *', for: '2m' },
      { cron: '30 */2 * * *', for: '1h', timezone: 'Asia/Kolkata' },
      { cron: '0 18 * * FRI', for: '62h' },
      { cron: '0 0 1 * *', for: '1h' },
    ),
    environments: some(ENVIRONMENTS, 1),
  })
  .map(({ template, environments }) => ({ ...template, environments }));

const rawPolicy = fc.record({
  environments: fc.constant(Object.fromEntries(ENVIRONMENTS.map((n) => [n, { channel: 'C0CHAN' }]))),
  approvers: fc.record({
    g1: fc.record({ users: some(USERS, 1), usergroups: some(['S0ONE']) }),
    g2: fc.record({ users: some(USERS, 1) }),
  }),
  admins: some(USERS),
  // Now and then an environment without a matrix row.
  requirements: fc
    .tuple(...ENVIRONMENTS.map((env) => fc.option(row.map((r) => [env, r] as const), { freq: 8 })))
    .map((rows) => Object.fromEntries(rows.filter((r) => r !== null))),
  actions: fc.record({ 'scale-a': action, 'scale-b': action }),
  rules: fc.constant([]),
  freezes: fc.array(freeze, { maxLength: 2 }).map((list) => list.map((f, i) => ({ name: `freeze-${i}`, ...f }))),
  time_limits: fc.constant({ approval: '30m', execution: '15m' }),
});

// A global pause stops everything, so it is drawn less often than the pauses that may not apply.
const pause: fc.Arbitrary<Pause> = fc
  .oneof(
    { weight: 1, arbitrary: fc.constant({ scope: 'global' as const, name: null }) },
    { weight: 3, arbitrary: fc.constant({ scope: 'auto' as const, name: null }) },
    { weight: 3, arbitrary: fc.record({ scope: fc.constant('environment' as const), name: fc.constantFrom(...ENVIRONMENTS) }) },
    { weight: 3, arbitrary: fc.record({ scope: fc.constant('action' as const), name: fc.constantFrom(...ACTIONS) }) },
  )
  .map((p) => ({ ...p, by: 'U0ADM', reason: 'generated', at: new Date('2026-01-01T00:00:00.000Z') }));

// Capacities are drawn around the bounds of the pattern the target matches, where mistakes live.
const scenario = fc
  .record({
    policy: rawPolicy.map((raw) => Policy.parse(raw)),
    environment: mostly(fc.constantFrom<string>(...ENVIRONMENTS), fc.constantFrom('qa', 'constructor')),
    action: mostly(fc.constantFrom<string>(...ACTIONS), fc.constantFrom('reboot', '__proto__')),
    now: fc.date({ min: new Date('2026-01-01T00:00:00.000Z'), max: new Date('2026-12-31T00:00:00.000Z'), noInvalidDate: true }),
    budgetUsed: mostly(fc.constant(0), fc.integer({ min: 1, max: 6 })),
    sinceLast: fc.option(fc.integer({ min: 0, max: 180 }), { nil: null, freq: 2 }),
    // Sparse enough that most runs are not stopped by the kill switch.
    pauses: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(pause, { minLength: 1, maxLength: 2 }) }),
    confidences: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .chain((s) => {
    // Mostly a name one of the action's patterns matches (not necessarily the first one).
    const named = (ownValue(s.policy.actions, s.action)?.targets ?? []).map((t) => t.asg!.replaceAll('*', '1').replaceAll('?', '2'));
    const usual = named.length > 0 ? fc.constantFrom(...named) : fc.constantFrom(...TARGETS);
    return mostly(usual, fc.constantFrom(...TARGETS, 'api-x', 'cache')).map((target) => ({ ...s, target }));
  })
  .chain((s) => {
    const t = ownValue(s.policy.actions, s.action)?.targets.find((c) => matchesGlob(c.asg!, s.target));
    // The generated policies hold asg targets only, each with all its bounds.
    const { min, max, max_step } = (t ?? { min: 0, max: 10, max_step: 3 }) as { min: number; max: number; max_step: number };
    return fc.record({
      desired: fc.option(fc.integer({ min: min - 2, max: max + 2 }), { nil: undefined, freq: 8 }),
      offset: fc.option(fc.integer({ min: -max_step - 2, max: max_step + 2 }), { nil: undefined, freq: 8 }),
    }).map((capacity) => ({ ...s, ...capacity }));
  });

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function inputOf(s: Scenario): ProposalInput {
  const current = s.desired === undefined || s.offset === undefined ? undefined : { desiredCapacity: s.desired + s.offset };
  return {
    environment: s.environment,
    action: s.action,
    target: s.target,
    params: s.desired === undefined ? {} : { desiredCapacity: s.desired },
    current,
    confidence: s.confidences[0],
    state: {
      now: s.now,
      budgetUsed: s.budgetUsed,
      lastExecutionAt: s.sinceLast === null ? null : new Date(s.now.getTime() - s.sinceLast * 60_000),
      pauses: s.pauses,
    },
  };
}

describe('evaluateProposal properties', () => {
  it('holds the whitelist, bounds, requirement floor, kill switch, freeze and budget for generated policies', () => {
    let allowed = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy } = s;
        const input = inputOf(s);
        const decision = evaluateProposal(policy, input);
        const action = ownValue(policy.actions, input.action);
        const found = action?.targets.find((t) => matchesGlob(t.asg!, input.target));
        const matched = found as (typeof found & { asg: string; min: number; max: number; max_step: number }) | undefined;

        // (d) confidence never changes anything.
        expect(evaluateProposal(policy, { ...input, confidence: s.confidences[1] })).toEqual(decision);
        // (a) never ok off the whitelist.
        if (!action || !matched) expect(decision.ok).toBe(false);
        // (e) a matching pause stops it.
        const stopped = input.state.pauses.some(
          (p) => p.scope === 'global' || (p.scope === 'environment' && p.name === input.environment) || (p.scope === 'action' && p.name === input.action),
        );
        if (stopped) expect(decision.ok).toBe(false);
        // (g) a used-up budget stops it; so does a running cooldown.
        if (action?.budget && input.state.budgetUsed >= action.budget.max) expect(decision.ok).toBe(false);
        const last = input.state.lastExecutionAt;
        if (action?.cooldown && last && last.getTime() + durationMs(action.cooldown) > input.state.now.getTime()) expect(decision.ok).toBe(false);

        if (!decision.ok) {
          expect(decision.requirement).toBe('advisory');
          expect(decision.reasons.length).toBeGreaterThan(0);
          return;
        }
        allowed++;
        if (!action || !matched) throw new Error('unreachable: ok off the whitelist');
        // (b) within the bounds of the first matching pattern, in one small step.
        expect(decision.bounds).toEqual({ min: matched.min, max: matched.max, maxStep: matched.max_step, pattern: matched.asg });
        const desired = input.params.desiredCapacity;
        if (desired !== undefined) {
          expect(desired).toBeGreaterThanOrEqual(matched.min);
          expect(desired).toBeLessThanOrEqual(matched.max);
          expect(input.current).toBeDefined();
          expect(Math.abs(desired - (input.current?.desiredCapacity ?? Number.NaN))).toBeLessThanOrEqual(matched.max_step);
        }
        // (c) never looser than the matrix cell nor the action's own requirement; never advisory.
        const cell = ownValue(policy.requirements, input.environment)?.[action.blast_radius];
        expect(cell).toBeDefined();
        expect(decision.matrixRequirement).toBe(cell);
        expect(rank(decision.requirement)).toBeGreaterThanOrEqual(rank(cell ?? 'advisory'));
        expect(rank(decision.requirement)).toBeGreaterThanOrEqual(rank(action.requirement ?? 'auto'));
        expect(decision.requirement).not.toBe('advisory');
        if (input.state.pauses.some((p) => p.scope === 'auto')) expect(decision.requirement).not.toBe('auto');
        // (f) during a freeze only the admins approve, and nothing runs on its own.
        const frozen = activeFreeze(policy, input.environment, input.state.now);
        expect(decision.freeze).toEqual(frozen);
        if (frozen) {
          expect(decision.approvers).toEqual({ groups: ['admins'], users: [...new Set(policy.admins)].sort(), usergroups: [] });
          expect(decision.requirement).not.toBe('auto');
        } else {
          expect(decision.approvers).toEqual(eligibleApprovers(policy, input.action));
        }
        // Enough people could approve what is asked.
        const needed = decision.requirement === 'two' ? 2 : decision.requirement === 'one' ? 1 : 0;
        expect(decision.approvers.usergroups.length > 0 || decision.approvers.users.length >= needed).toBe(true);
      }),
      { numRuns: 1500 },
    );
    // The properties above are only meaningful if generated proposals are also allowed.
    expect(allowed).toBeGreaterThan(30);
  });
});
