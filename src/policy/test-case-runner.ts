// Runs policy test cases against a loaded policy. Pure: the policy, the cases and the time to
// use when a case gives none are inputs; results are values the CLI prints.
import type { Pause, PolicyState } from './decision.ts';
import type { Policy } from './schema.ts';
import { errorAt, formatPath } from './source.ts';
import type { PolicyError } from './source.ts';
import type { CaseExpect, CaseState, LocatedCase } from './test-cases.ts';
import { walkthrough } from './walkthrough.ts';
import type { Walkthrough } from './walkthrough.ts';

export interface CaseResult {
  name: string;
  file: string;
  line: number;
  passed: boolean;
  /** One line per unmet expectation: what was expected and what the policy decided. */
  failures: string[];
  /** The routing steps and the evaluator's trace, for the reader of a failure. */
  trace: string[];
}

function declared(record: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.hasOwn(record, name);
}

function names(record: Readonly<Record<string, unknown>>): string {
  const list = Object.keys(record);
  return list.length > 0 ? list.join(', ') : 'none';
}

/**
 * Names a case uses that the policy does not declare. These are errors in the case, not
 * failures of the policy: a typo in `expect.environment: prd` could never pass, and a reader
 * should be told which side is wrong.
 */
export function checkCaseReferences(policy: Policy, cases: readonly LocatedCase[]): PolicyError[] {
  const approverIds = new Set([
    ...policy.admins,
    ...Object.values(policy.approvers).flatMap((g) => [...(g.users ?? []), ...(g.usergroups ?? [])]),
  ]);
  const ruleNames = new Set(policy.rules.map((r) => r.name));
  const freezeNames = new Set(policy.freezes.map((f) => f.name));
  const seen = new Map<string, LocatedCase>();
  return cases.flatMap((lc) => {
    const { case: c, src, path } = lc;
    const errors: PolicyError[] = [];
    const at = (p: PropertyKey[], message: string) => {
      const where = [...path, ...p];
      errors.push(errorAt(src, where, `${formatPath(where)}: ${message}`));
    };
    const earlier = seen.get(c.name);
    if (earlier) at(['name'], `case name '${c.name}' is also used at ${earlier.file}:${earlier.line}; names identify cases in reports`);
    else seen.set(c.name, lc);
    if (c.environment !== undefined && !declared(policy.environments, c.environment)) {
      at(['environment'], `environment '${c.environment}' is not declared in the policy (declared: ${names(policy.environments)})`);
    }
    const e = c.expect;
    if (typeof e.environment === 'string' && !declared(policy.environments, e.environment)) {
      at(['expect', 'environment'], `expects environment '${e.environment}', which the policy does not declare (declared: ${names(policy.environments)})`);
    }
    if (typeof e.rule === 'string' && !ruleNames.has(e.rule)) {
      at(['expect', 'rule'], `expects rule '${e.rule}', which the policy does not declare (declared: ${[...ruleNames].join(', ') || 'none'})`);
    }
    if (typeof e.freeze === 'string' && !freezeNames.has(e.freeze)) {
      at(['expect', 'freeze'], `expects freeze '${e.freeze}', which the policy does not declare (declared: ${[...freezeNames].join(', ') || 'none'})`);
    }
    (e.approvers ?? []).forEach((id, i) => {
      if (!approverIds.has(id)) at(['expect', 'approvers', i], `${id} is in no approver group and not an admin, so no decision can name it`);
    });
    // An undeclared action is a legitimate case only when it is there to be refused.
    if (c.action !== undefined && !declared(policy.actions, c.action) && e.refused === undefined) {
      at(['action'], `action '${c.action}' is not declared in the policy (declared: ${names(policy.actions)}); to check that it is refused, expect refused: [not whitelisted]`);
    }
    // With a freeze in the policy, a case without a fixed time passes or fails by the day CI runs.
    if (policy.freezes.length > 0 && lc.state.now === undefined) {
      at(['name'], `state.now is required (in the case or the file's defaults) because the policy declares freezes (${[...freezeNames].join(', ')}): without it the outcome depends on the day the tests run`);
    }
    (lc.state.pauses ?? []).forEach((p, i) => {
      const section = p.scope === 'environment' ? policy.environments : p.scope === 'action' ? policy.actions : null;
      if (section && p.name !== undefined && !declared(section, p.name)) {
        at(['state', 'pauses', i, 'name'], `pauses ${p.scope} '${p.name}', which the policy does not declare (declared: ${names(section)})`);
      }
    });
    return errors;
  });
}

export function caseState(state: CaseState, defaultNow: Date): PolicyState {
  const now = state.now ? new Date(state.now) : defaultNow;
  const pauses: Pause[] = (state.pauses ?? []).map((p) => ({
    scope: p.scope,
    name: p.name ?? null,
    by: p.by ?? 'test case',
    reason: p.reason ?? '',
    at: now,
  }));
  const last = state.last_execution;
  return { now, budgetUsed: state.budget_used ?? 0, lastExecutionAt: last ? new Date(last) : null, pauses };
}

function show(value: string | null | undefined): string {
  return value === null || value === undefined ? 'none' : value;
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The routing lines shown above the evaluator's own trace. */
export function routingTrace(w: Walkthrough): string[] {
  const lines = w.environments.map((e) => `${e.matched ? 'environment' : 'not environment'} '${e.name}': ${e.why}`);
  if (w.rule) lines.push(`rule '${w.rule.name}' (diagnose ${w.rule.diagnose}; candidates ${w.rule.candidates.join(', ')})`);
  // Only an alert can match a rule; a case that names its environment has none to report.
  else if (w.environments.length > 0) lines.push('no rule matches the alert');
  if (w.action) lines.push(`action '${w.action.name}' (${w.action.from})`);
  if (w.target) lines.push(`target '${w.target.name}' (${w.target.from})`);
  if (w.freeze) lines.push(`freeze '${w.freeze.name}' open from ${w.freeze.from.toISOString()} until ${w.freeze.until.toISOString()}`);
  if (w.undecided) lines.push(`no decision: ${w.undecided}`);
  return lines;
}

function unrouted(w: Walkthrough): string {
  const why = w.environments.map((e) => `${e.name}: ${e.why}`).join('; ');
  return `the alert routes to no environment (${why || 'the policy declares none'}); nothing can be decided. If that is intended, expect environment: null`;
}

function decisionFailures(e: CaseExpect, w: Walkthrough): string[] {
  const d = w.decision;
  if (!d) return [w.environment === null && w.environments.length > 0 ? unrouted(w) : `no decision: ${w.undecided ?? 'unknown reason'}`];
  const failures: string[] = [];
  const refusal = d.ok ? '' : `refused: ${d.reasons.join('; ')}`;
  if (e.requirement !== undefined && e.requirement !== d.requirement) {
    failures.push(`expected requirement ${e.requirement}, got ${d.requirement}${d.ok ? '' : ` (${refusal})`}`);
  }
  if (e.approvers !== undefined) {
    const want = [...e.approvers].sort();
    if (!d.ok) failures.push(`expected approvers ${want.join(', ') || 'none'}, got none (${refusal})`);
    else {
      const got = [...d.approvers.users, ...d.approvers.usergroups].sort();
      if (!same(want, got)) failures.push(`expected approvers ${want.join(', ') || 'none'}, got ${got.join(', ') || 'none'}`);
    }
  }
  if (e.refused !== undefined) {
    if (d.ok) failures.push(`expected a refusal containing ${e.refused.map((r) => JSON.stringify(r)).join(', ')}, got requirement ${d.requirement} (allowed)`);
    else {
      const missing = e.refused.filter((text) => !d.reasons.some((r) => r.includes(text)));
      if (missing.length > 0) {
        failures.push(`expected a refusal reason containing ${missing.map((r) => JSON.stringify(r)).join(', ')}, got: ${d.reasons.join('; ')}`);
      }
    }
  }
  return failures;
}

export function runCase(policy: Policy, lc: LocatedCase, defaultNow: Date): CaseResult {
  const c = lc.case;
  const state = caseState(lc.state, defaultNow);
  const alert = c.alert ? { name: c.alert.alertname, labels: { alertname: c.alert.alertname, ...c.alert.labels } } : null;
  const w = walkthrough(policy, {
    alert,
    environment: c.environment,
    action: c.action,
    target: c.target,
    params: c.params ?? {},
    ...(c.current ? { current: c.current } : {}),
    state,
  });
  const e = c.expect;
  const failures: string[] = [];
  const gotEnv = w.environment?.name ?? null;
  if (e.environment !== undefined && e.environment !== gotEnv) {
    failures.push(gotEnv === null ? unrouted(w) : `expected environment ${show(e.environment)}, got ${gotEnv}`);
  }
  if (e.rule !== undefined && e.rule !== (w.rule?.name ?? null)) failures.push(`expected rule ${show(e.rule)}, got ${show(w.rule?.name)}`);
  if (e.freeze !== undefined && e.freeze !== (w.freeze?.name ?? null)) {
    failures.push(`expected freeze ${show(e.freeze)}, got ${show(w.freeze?.name)} at ${state.now.toISOString()}`);
  }
  // An unrouted alert is reported once, by the environment check, when the case checks that.
  const routingFailed = e.environment !== undefined && gotEnv === null && e.environment !== null;
  if (!routingFailed && (e.requirement !== undefined || e.approvers !== undefined || e.refused !== undefined)) {
    failures.push(...decisionFailures(e, w));
  }
  const trace = [
    `now ${state.now.toISOString()}${lc.state.now ? '' : ' (the current time: set state.now to pin it)'}`,
    ...routingTrace(w),
    ...(w.decision?.trace ?? []),
  ];
  return { name: c.name, file: lc.file, line: lc.line, passed: failures.length === 0, failures, trace };
}

export function runCases(policy: Policy, cases: readonly LocatedCase[], defaultNow: Date): CaseResult[] {
  return cases.map((lc) => runCase(policy, lc, defaultNow));
}
