// What the policy makes of one alert, step by step, as values: the environment it routes to (and
// why the others did not match), the rule, the action and target chosen, the freeze in force and
// the evaluator's decision. `policy explain` prints it; `policy test` checks it. Pure: the state
// (budget used, last execution, pauses, now) is an input, so a caller that can read the database
// passes the real one and one that cannot passes an assumed one and says so.
import type { ActiveFreeze, PolicyDecision, PolicyState, ProposalInput } from './decision.ts';
import { evaluateProposal, matchRule, resolveEnvironment } from './evaluator.ts';
import { activeFreeze } from './freeze.ts';
import { labelsMatch, ownValue } from './matchers.ts';
import type { Policy, Rule } from './schema.ts';

/** The alert label the diagnosis rules read the Auto Scaling group from. */
export const TARGET_LABEL = 'autoscaling_group';

export interface AlertFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface WalkthroughInput {
  /** The alert to route; null when the caller names the environment directly. */
  alert: AlertFacts | null;
  environment?: string | undefined;
  /** Default: the matched rule's first candidate. */
  action?: string | undefined;
  /** Default: the alert's `autoscaling_group` label. */
  target?: string | undefined;
  params: ProposalInput['params'];
  current?: ProposalInput['current'];
  state: PolicyState;
}

export interface EnvironmentCheck {
  name: string;
  matched: boolean;
  /** One line: why it matched, why not, or that it was not reached. */
  why: string;
}

export interface Chosen {
  name: string;
  /** Where the value came from, for the reader: `--action`, `rule high-cpu-on-asg`, `label autoscaling_group`. */
  from: string;
}

export interface Walkthrough {
  /** Each declared environment in evaluation order; empty when the environment was given. */
  environments: EnvironmentCheck[];
  environment: { name: string; channel: string } | null;
  rule: Rule | null;
  action: Chosen | null;
  target: Chosen | null;
  /** The freeze open in the environment at `state.now`. */
  freeze: ActiveFreeze | null;
  decision: PolicyDecision | null;
  /** Why there is no decision, when there is none. */
  undecided: string | null;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Why each environment did or did not take the alert; first match wins, later ones are not reached. */
export function environmentChecks(policy: Policy, labels: Readonly<Record<string, string>>): EnvironmentCheck[] {
  let decided = false;
  return Object.entries(policy.environments).map(([name, env]) => {
    if (decided) return { name, matched: false, why: 'not reached: an earlier environment took the alert' };
    const match = env.match ?? {};
    if (labelsMatch(match, labels)) {
      decided = true;
      const wanted = Object.entries(match).map(([label, values]) => `${label} in [${quoteList(values)}]`);
      return { name, matched: true, why: wanted.length > 0 ? `matched: ${wanted.join(', ')}` : 'matched: no match labels, it takes every alert' };
    }
    const misses = Object.entries(match).flatMap(([label, values]) => {
      const got = ownValue(labels, label);
      if (got === undefined) return [`label ${label} is missing (wanted one of ${quoteList(values)})`];
      return values.includes(got) ? [] : [`${label}=${JSON.stringify(got)} is not one of ${quoteList(values)}`];
    });
    return { name, matched: false, why: misses.join('; ') };
  });
}

function chooseAction(input: WalkthroughInput, rule: Rule | null): Chosen | null {
  if (input.action !== undefined) return { name: input.action, from: 'given' };
  const first = rule?.candidates[0];
  return rule && first !== undefined ? { name: first, from: `first candidate of rule ${rule.name}` } : null;
}

function chooseTarget(input: WalkthroughInput): Chosen | null {
  if (input.target !== undefined) return { name: input.target, from: 'given' };
  const label = input.alert ? ownValue(input.alert.labels, TARGET_LABEL) : undefined;
  return label ? { name: label, from: `alert label ${TARGET_LABEL}` } : null;
}

function routed(policy: Policy, input: WalkthroughInput): { name: string; channel: string } | null {
  if (input.alert) return resolveEnvironment(policy, input.alert);
  const name = input.environment;
  const env = name === undefined ? undefined : ownValue(policy.environments, name);
  return name !== undefined && env ? { name, channel: env.channel } : null;
}

function undecidedReason(input: WalkthroughInput, w: Omit<Walkthrough, 'decision' | 'undecided'>): string | null {
  if (!w.environment) {
    return input.alert
      ? 'the alert routes to no environment, so the bot proposes nothing for it'
      : `environment '${input.environment ?? ''}' is not declared in the policy`;
  }
  if (!w.action) return input.alert && !w.rule ? 'no rule matches the alert, so there is no candidate action' : 'no action to evaluate';
  if (!w.target) return `no target: the alert has no ${TARGET_LABEL} label and none was given`;
  return null;
}

export function walkthrough(policy: Policy, input: WalkthroughInput): Walkthrough {
  const environment = routed(policy, input);
  const rule = input.alert ? matchRule(policy, input.alert) : null;
  const steps = {
    environments: input.alert ? environmentChecks(policy, input.alert.labels) : [],
    environment,
    rule,
    action: chooseAction(input, rule),
    target: chooseTarget(input),
    freeze: environment ? activeFreeze(policy, environment.name, input.state.now) : null,
  };
  const undecided = undecidedReason(input, steps);
  if (undecided !== null || !steps.environment || !steps.action || !steps.target) return { ...steps, decision: null, undecided };
  const decision = evaluateProposal(policy, {
    environment: steps.environment.name,
    action: steps.action.name,
    target: steps.target.name,
    params: input.params,
    ...(input.current ? { current: input.current } : {}),
    // Never read by the evaluator (confidence never lowers a requirement); passed for the type.
    confidence: 0,
    state: input.state,
  });
  return { ...steps, decision, undecided: null };
}
