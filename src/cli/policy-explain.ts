// `policy explain [path] --alert FILE …`: what the policy would decide for an alert, and why, step
// by step — for whoever writes or reviews a policy and asks "what happens when this fires?".
// Without a database it cannot know budget usage, cooldowns or pauses, so the state is assumed
// empty and the output says so; `--live` reads them from the bot's database instead.
import { z } from 'zod';
import { cite } from '../policy/citation.ts';
import type { PolicyState } from '../policy/decision.ts';
import { requirementFor, targetBounds } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import type { Policy } from '../policy/schema.ts';
import { walkthrough } from '../policy/walkthrough.ts';
import type { Walkthrough } from '../policy/walkthrough.ts';
import { readAlertFile } from './alert-file.ts';
import type { AlertFileAlert } from './alert-file.ts';
import { readPolicyState } from '../store/repos/policy-state.ts';
import { parseFlags } from './args.ts';
import { loadPolicyOrReport, policyPath } from './load-policy.ts';

export const EXPLAIN_USAGE = `usage: infra-agent policy explain [path] --alert FILE [--action NAME] [--target NAME]
                              [--params JSON] [--current JSON] [--now ISO-TIME]
  --alert FILE     an Alertmanager webhook payload (its first alert) or {"alertname": …, "labels": {…}}
  --action NAME    the action to evaluate (default: the matched rule's first candidate)
  --target NAME    the resource (default: the alert's autoscaling_group label)
  --params JSON    proposed parameters, e.g. '{"desiredCapacity": 8}'
  --current JSON   the resource's current state, e.g. '{"desiredCapacity": 4}'
  --now ISO-TIME   evaluate as of this time (default: now), e.g. 2026-11-21T19:00:00Z
  --live           read budget usage, the target's last execution and the kill switch from the
                   bot's database (DATABASE_URL, or the embedded server under DATA_DIR)`;

const options = {
  alert: { type: 'string' },
  action: { type: 'string' },
  target: { type: 'string' },
  params: { type: 'string' },
  current: { type: 'string' },
  now: { type: 'string' },
  live: { type: 'boolean' },
} as const;

const Params = z.strictObject({ desiredCapacity: z.int().min(0).optional() });
const Current = z.strictObject({ desiredCapacity: z.int().min(0) });
const Now = z.iso.datetime({ offset: true });

export const ASSUMED_STATE_NOTE = 'assuming no executions and no pauses (pass --live to read them from the bot\'s database)';
export const LIVE_STATE_NOTE = "budget, cooldown and kill switch read from the bot's database";

function jsonFlag<T>(flag: string, text: string | undefined, schema: z.ZodType<T>): { ok: true; value: T | undefined } | { ok: false; error: string } {
  if (text === undefined) return { ok: true, value: undefined };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `--${flag} is not valid JSON (${err instanceof Error ? err.message : String(err)}); example: --${flag} '{"desiredCapacity": 8}'` };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    return { ok: false, error: `--${flag}: ${issues}; example: --${flag} '{"desiredCapacity": 8}'` };
  }
  return { ok: true, value: parsed.data };
}

function labelsLine(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(' ');
}

function row(label: string, text: string): string {
  return `${label.padEnd(12)} ${text}`;
}

/** The lines about the chosen action's declaration: bounds, limits, matrix cell. */
function actionLines(policy: Policy, w: Walkthrough): string[] {
  if (!w.action) return [];
  const name = w.action.name;
  const action = ownValue(policy.actions, name);
  if (!action) return [row('action', `${name} (${w.action.from}) — not whitelisted`)];
  const lines = [
    row('action', `${name} (${w.action.from}): executor ${action.executor}, blast radius ${action.blast_radius}, ${action.reversible ? 'reversible' : 'not reversible'}${cite(policy, `actions.${name}`)}`),
  ];
  if (w.target) {
    const bounds = targetBounds(policy, name, w.target.name);
    const patterns = action.targets.map((t) => t.asg ?? t.service).join(', ');
    lines.push(row('target', bounds
      ? `${w.target.name} (${w.target.from}) → pattern ${bounds.pattern}: min ${bounds.min}, max ${bounds.max}, max_step ${bounds.maxStep}`
      : `${w.target.name} (${w.target.from}) → matches none of ${patterns}`));
  } else {
    lines.push(row('target', 'none: the alert has no autoscaling_group label; pass --target NAME'));
  }
  const cooldown = action.cooldown ? `cooldown ${action.cooldown} per target` : 'no cooldown';
  const budget = action.budget ? `budget ${action.budget.max} per ${action.budget.per}` : 'no budget';
  lines.push(row('limits', `${cooldown}; ${budget}`));
  if (w.environment) {
    const derived = requirementFor(policy, w.environment.name, name);
    lines.push(row('matrix', derived ? derived.trace.join('; ') : `environment '${w.environment.name}' has no row in requirements`));
  }
  return lines;
}

function freezeLine(w: Walkthrough, now: Date): string {
  if (!w.environment) return row('freeze', 'not known: no environment');
  if (!w.freeze) return row('freeze', `none open in ${w.environment.name} at ${now.toISOString()}`);
  const why = w.freeze.reason ? ` (${w.freeze.reason})` : '';
  return row('freeze', `${w.freeze.name} open from ${w.freeze.from.toISOString()} until ${w.freeze.until.toISOString()}${why}: only admins approve`);
}

function decisionLines(w: Walkthrough): string[] {
  const d = w.decision;
  if (!d) return [row('decision', `none: ${w.undecided ?? 'not evaluated'}`)];
  if (!d.ok) return [row('decision', 'refused — advisory only, a human implements'), ...d.reasons.map((r) => `  - ${r}`)];
  const a = d.approvers;
  const who = [a.users.length ? `users ${a.users.join(', ')}` : '', a.usergroups.length ? `user groups ${a.usergroups.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
  return [
    row('decision', `requirement ${d.requirement} (matrix cell ${d.matrixRequirement})`),
    row('approvers', `${who || 'none'}${a.groups.length ? ` (from ${a.groups.join(', ')})` : ''}`),
  ];
}

export function formatExplanation(
  policy: Policy,
  alert: AlertFileAlert & { file: string },
  w: Walkthrough,
  input: { state: PolicyState; stateNote: string; params: { desiredCapacity?: number }; current?: { desiredCapacity: number } | undefined },
): string[] {
  const matchedWidth = Math.max(0, ...w.environments.map((e) => e.name.length));
  const params = input.params.desiredCapacity === undefined
    ? 'none given: capacity bounds not checked (pass --params \'{"desiredCapacity": N}\' --current \'{"desiredCapacity": N}\')'
    : `desiredCapacity ${input.params.desiredCapacity}${input.current ? ` (current ${input.current.desiredCapacity})` : ' (current unknown: pass --current)'}`;
  return [
    row('alert', `${alert.name} (${alert.origin}; ${alert.file})`),
    row('labels', labelsLine(alert.labels)),
    row('state', `now ${input.state.now.toISOString()}; ${input.stateNote}`),
    '',
    'environments (first match wins):',
    ...w.environments.map((e) => `  ${e.matched ? '✓' : '✗'} ${e.name.padEnd(matchedWidth)}  ${e.why}${e.matched ? cite(policy, `environments.${e.name}`) : ''}`),
    row('environment', w.environment ? `${w.environment.name} (posts to ${w.environment.channel})` : 'none: the bot proposes nothing for this alert'),
    row('rule', w.rule
      ? `${w.rule.name}${cite(policy, `rules.${w.rule.name}`)}: diagnose ${w.rule.diagnose}; candidates ${w.rule.candidates.join(', ')}`
      : 'none matches: no candidate actions'),
    ...actionLines(policy, w),
    freezeLine(w, input.state.now),
    row('params', params),
    '',
    ...decisionLines(w),
    ...(w.decision ? ['', 'trace:', ...w.decision.trace.map((t) => `  - ${t}`)] : []),
  ];
}

interface ExplainRequest {
  path: string;
  alertFile: string;
  action: string | undefined;
  target: string | undefined;
  params: { desiredCapacity?: number };
  current: { desiredCapacity: number } | undefined;
  now: Date;
  live: boolean;
}

/** The command line as a request, or the one message that says what is wrong with it. */
function parseRequest(args: string[]): { ok: true; request: ExplainRequest } | { ok: false; error: string } {
  const flags = parseFlags(args, options);
  if (!flags.ok) return { ok: false, error: `${flags.error}\n\n${EXPLAIN_USAGE}` };
  const { values, positionals } = flags.parsed;
  if (positionals.length > 1) return { ok: false, error: `expected at most one policy path, got ${positionals.join(' ')}\n\n${EXPLAIN_USAGE}` };
  if (values.alert === undefined) return { ok: false, error: `--alert FILE is required\n\n${EXPLAIN_USAGE}` };
  const params = jsonFlag('params', values.params, Params);
  if (!params.ok) return params;
  const current = jsonFlag('current', values.current, Current);
  if (!current.ok) return current;
  const now = values.now === undefined ? null : Now.safeParse(values.now);
  if (now && !now.success) return { ok: false, error: `--now ${JSON.stringify(values.now)} is not an ISO 8601 time; example: --now 2026-11-21T19:00:00Z` };
  return {
    ok: true,
    request: {
      path: policyPath(positionals[0]),
      alertFile: values.alert,
      action: values.action,
      target: values.target,
      params: params.value ?? {},
      current: current.value,
      now: now ? new Date(now.data) : new Date(),
      live: values.live === true,
    },
  };
}

export async function policyExplainCommand(args: string[]): Promise<number> {
  const parsed = parseRequest(args);
  if (!parsed.ok) {
    console.error(parsed.error);
    return 2;
  }
  const req = parsed.request;
  const read = await readAlertFile(req.alertFile);
  if (!read.ok) {
    console.error(read.error);
    return 2;
  }
  const loaded = await loadPolicyOrReport(req.path);
  if (!loaded) return 2;
  const { policy } = loaded;
  if (req.action !== undefined && !Object.hasOwn(policy.actions, req.action)) {
    console.error(`unknown action '${req.action}': the policy at ${req.path} declares ${Object.keys(policy.actions).join(', ') || 'no actions'}`);
    return 2;
  }
  const assumed: PolicyState = { now: req.now, budgetUsed: 0, lastExecutionAt: null, pauses: [] };
  const alert = { ...read.alert, file: req.alertFile };
  const walk = (state: PolicyState) => walkthrough(policy, { alert, action: req.action, target: req.target, params: req.params, current: req.current, state });
  let w = walk(assumed);
  let state = assumed;
  // The first pass names the action and target whose usage the live state is about.
  if (req.live && w.action && w.target) {
    const { action, target } = { action: w.action.name, target: w.target.name };
    // Loaded only here: the database stack is not needed to explain a policy offline.
    const { withDatabase } = await import('./with-database.ts');
    state = await withDatabase((db) => readPolicyState(db, policy, { action, target, now: req.now }), { migrate: false });
    w = walk(state);
  }
  const note = state === assumed ? ASSUMED_STATE_NOTE : LIVE_STATE_NOTE;
  console.log(formatExplanation(policy, alert, w, { state, stateNote: note, params: req.params, current: req.current }).join('\n'));
  return 0;
}
