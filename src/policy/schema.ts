// The policy files are the whitelist: the only actions, targets and bounds the bot may ever use,
// who may approve them, and when nothing may run. Everything is a strict object so that a typo
// (`max_stpe`) is an error instead of a silently missing safety limit. Sections are optional
// keys of `PolicyFile` (they merge across files) and required keys of `Policy`.
import { z } from 'zod';
import type { BlastRadius, Requirement } from '../domain/proposal.ts';
import { Duration, durationMs, LabelName, Name, NonEmpty, SlackChannelId, SlackUserId, SlackUsergroupId } from './schema-primitives.ts';
import { Digest } from './schema-digest.ts';

export { DURATION_PATTERN, Duration, durationMs, NAME_PATTERN } from './schema-primitives.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const RequirementSchema = z.enum(['auto', 'one', 'two', 'advisory']);
export const BlastRadiusSchema = z.enum(['resource', 'service', 'environment', 'global']);
// Compile-time guard: the schema and the domain vocabulary must list the same values.
true satisfies Same<z.infer<typeof RequirementSchema>, Requirement>;
true satisfies Same<z.infer<typeof BlastRadiusSchema>, BlastRadius>;

export const Environment = z.strictObject({
  channel: SlackChannelId,
  // Production raises the risk level shown on every card for a change here (never the requirement:
  // that is the matrix's job).
  production: z.boolean().optional(),
  // Dry run: diagnosis, cards, approvals and audit as usual, but no executor ever makes its write
  // call here, and every card says DRY RUN. How a team proves the bot before trusting it.
  dry_run: z.boolean().optional(),
  // label → accepted values; all listed labels must match. Absent means catch-all.
  match: z.record(LabelName, z.array(z.string()).min(1, { error: 'list at least one accepted value' })).optional(),
});
export type Environment = z.infer<typeof Environment>;

// Members of `usergroups` are resolved from Slack at decision time (a group whose membership
// cannot be read approves nobody).
export const ApproverGroup = z
  .strictObject({
    users: z.array(SlackUserId).optional(),
    usergroups: z.array(SlackUsergroupId).optional(),
  })
  .refine((g) => (g.users?.length ?? 0) + (g.usergroups?.length ?? 0) > 0, {
    error: 'an approver group needs at least one entry in users or usergroups (an empty group can approve nothing)',
  });
export type ApproverGroup = z.infer<typeof ApproverGroup>;

const TargetPattern = z.string().regex(/^\S{1,255}$/, { error: 'expected a non-empty name pattern without spaces, such as web-*' });
const CAPACITY_KEYS = ['min', 'max', 'max_step'] as const;
const ASG_ONLY_KEYS = [...CAPACITY_KEYS, 'load_balancer', 'target_group'] as const;

// A target is an Auto Scaling group pattern with capacity bounds (`asg`, for the capacity
// executors) or a service pattern (`service`, for runbooks, which change no capacity). Which of
// the two an action needs depends on its executor, and is checked with the action (check-actions.ts).
export const Target = z
  .strictObject({
    // Glob over the resource name: `*` any run of characters, `?` exactly one.
    asg: TargetPattern.optional(),
    service: TargetPattern.optional(),
    min: z.int().min(0).optional(),
    max: z.int().min(0).optional(),
    max_step: z.int().min(1).optional(),
    // The Application Load Balancer target group in front of the groups this pattern matches, as
    // CloudWatch names them (AWS/ApplicationELB dimensions), so diagnosis can read request count per
    // target, target response time and 5xx count. Optional: without it only EC2 metrics are read.
    load_balancer: z.string().regex(/^app\/[^/\s]+\/[0-9a-f]+$/, { error: 'expected the LoadBalancer dimension value, such as app/web-alb/50dc6c495c0c9188' }).optional(),
    target_group: z.string().regex(/^targetgroup\/[^/\s]+\/[0-9a-f]+$/, { error: 'expected the TargetGroup dimension value, such as targetgroup/web-tg/73e2d6bc24d8a067' }).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.asg === undefined && t.service === undefined) {
      ctx.addIssue({ code: 'custom', path: [], input: t, message: "a target names either 'asg' (an Auto Scaling group pattern, with min, max and max_step) or 'service' (a service pattern, for runbooks)" });
      return;
    }
    if (t.asg !== undefined && t.service !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['service'], input: t.service, message: "give either 'asg' or 'service', not both: one target names one kind of thing" });
      return;
    }
    if (t.service !== undefined) {
      for (const key of ASG_ONLY_KEYS) {
        if (t[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: t[key], message: `'${key}' applies only to asg targets: a service target bounds no capacity` });
      }
      return;
    }
    // A group pattern without bounds would let a capacity change go anywhere: each bound is required.
    for (const key of CAPACITY_KEYS) {
      if (t[key] === undefined) ctx.addIssue({ code: 'invalid_type', expected: 'int', path: [key], input: undefined, message: `missing required key '${key}'` });
    }
    // Guarded: zod may run this even when a sibling field failed its own check.
    if (typeof t.min === 'number' && typeof t.max === 'number' && t.min > t.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], input: t.min, message: `min (${t.min}) is greater than max (${t.max})` });
    }
    // Metrics need both dimensions; one alone would read nothing and look like "no traffic".
    if ((t.load_balancer === undefined) !== (t.target_group === undefined)) {
      const missing = t.load_balancer === undefined ? 'load_balancer' : 'target_group';
      ctx.addIssue({ code: 'custom', path: [missing], input: undefined, message: `give both load_balancer and target_group, or neither: CloudWatch needs both dimensions to read a target group's metrics` });
    }
  });
export type Target = z.infer<typeof Target>;

/** Environment × blast radius → requirement. Every cell is spelled out: no default autonomy. */
export const RequirementRow = z.strictObject({
  resource: RequirementSchema,
  service: RequirementSchema,
  environment: RequirementSchema,
  global: RequirementSchema,
});
export type RequirementRow = z.infer<typeof RequirementRow>;

/** The post-change check: after `after`, signal `signal` must be below (or above) the value. */
export const Verify = z
  .strictObject({
    after: Duration,
    signal: NonEmpty,
    below: z.number().optional(),
    above: z.number().optional(),
    // What a failed verification does: `ask` (default) posts the verdict and waits for a person's
    // Confirm fixed / Not fixed — roll back; `rollback` proposes the rollback at once, approved by policy.
    on_failure: z.enum(['ask', 'rollback']).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.below !== undefined && v.above !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['above'], input: v.above, message: "give exactly one of 'below' or 'above', not both: the check passes when the signal ends up on one side of one value" });
    } else if (v.below === undefined && v.above === undefined) {
      ctx.addIssue({ code: 'custom', path: [], input: v, message: "missing 'below' or 'above': say which side of which value the signal must end up on for the change to count as working" });
    }
  });
export type Verify = z.infer<typeof Verify>;

export const Budget = z.strictObject({
  max: z.int().min(1),
  per: Duration,
});
export type Budget = z.infer<typeof Budget>;

/**
 * Circuit breakers: signs that the bot's fix is not fixing. Each trip demotes the action's
 * autonomy in that environment one step (auto → one → two → advisory) until an admin lifts it;
 * `hard_limit` pauses the action outright.
 */
export const Breakers = z.strictObject({
  // The same target alerts again within this long after a successful execution.
  recurrence: Duration.optional(),
  // This many failed verifications in a row on the action (in one environment).
  verification_failures: z.int().min(1).optional(),
  // More executions than `max` within `per` (in one environment) demotes …
  soft_limit: Budget.optional(),
  // … and more than this pauses the action.
  hard_limit: Budget.optional(),
});
export type Breakers = z.infer<typeof Breakers>;

// Where a runbook executor POSTs. Only from the reviewed policy: never from an alert or params.
// https, except loopback (127.0.0.1, ::1, localhost) over http for local automation and tests.
function runbookUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected an absolute URL such as https://automation.internal/restart, got ${JSON.stringify(text)}`;
  }
  if (url.username || url.password) return 'a runbook URL must not carry credentials: the request is signed with secret_env instead';
  if (url.protocol === 'https:') return null;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback) return null;
  return `a runbook URL must use https (plain http is allowed only for 127.0.0.1, ::1 or localhost), got ${JSON.stringify(text)}`;
}
const RunbookUrl = z.string().superRefine((t, ctx) => {
  const problem = runbookUrlProblem(t);
  if (problem) ctx.addIssue({ code: 'custom', input: t, message: problem });
});

export const RUNBOOK_SECRET_PREFIX = 'RUNBOOK_SECRET_';
export const Runbook = z.strictObject({
  url: RunbookUrl,
  // The environment variable holding the HMAC secret. Only RUNBOOK_SECRET_* variables may be
  // named, so a policy can never make the bot sign with (or reveal the use of) another secret.
  secret_env: z.string().regex(/^RUNBOOK_SECRET_[A-Z0-9_]+$/, { error: 'expected the name of an environment variable starting with RUNBOOK_SECRET_, such as RUNBOOK_SECRET_RESTART' }),
  // How long to wait for the runbook's answer (default 30s); past it the execution fails, unretried.
  // At most 90s: an execution must end well inside its job's expiry (src/jobs/queue.ts).
  timeout: Duration.refine((t) => durationMs(t) <= 90_000, { error: 'a runbook timeout is at most 90s (the execution job must finish well within its expiry)' }).optional(),
  // Declared only when the automation can undo what it did: the rollback POSTs here.
  rollback_url: RunbookUrl.optional(),
});
export type Runbook = z.infer<typeof Runbook>;

export const Action = z.strictObject({
  executor: NonEmpty,
  description: z.string().optional(),
  blast_radius: BlastRadiusSchema,
  reversible: z.boolean(),
  // Optional and only ever stricter: the effective requirement is the stricter of this and
  // the matrix cell for (environment, blast_radius).
  requirement: RequirementSchema.optional(),
  approvers: z.array(Name),
  targets: z.array(Target).min(1, { error: 'an action needs at least one target' }),
  rollback: NonEmpty,
  verify: Verify,
  // Per target: no second execution of this action on the same target within this time.
  cooldown: Duration.optional(),
  // Per action, over all targets and environments: at most `max` executions per `per`.
  budget: Budget.optional(),
  breakers: Breakers.optional(),
  // See Environment.dry_run: the same, for this action in every environment.
  dry_run: z.boolean().optional(),
  // For runbook executors (http.runbook) only; see Runbook.
  runbook: Runbook.optional(),
});
export type Action = z.infer<typeof Action>;

export const Rule = z.strictObject({
  name: Name,
  // `alertname` compares with the alert's name; every other key with a label of that name.
  when: z
    .record(LabelName, z.string())
    .refine((w) => Object.keys(w).length > 0, { error: 'a rule needs at least one condition (alertname or a label)' }),
  diagnose: NonEmpty,
  candidates: z.array(Name).min(1, { error: 'a rule needs at least one candidate action' }),
  settings: z
    .record(Name, z.union([z.number(), z.string(), z.boolean()], { error: 'expected a number, a string or a boolean' }))
    .optional(),
  // Which alerts share an incident (one card, one thread): those with equal values of these labels
  // (`alertname` is the alert's name). Overrides `incidents.group_by` for alerts this rule matches.
  group_by: z.array(LabelName).min(1, { error: 'list at least one label, or leave group_by out' }).optional(),
});
export type Rule = z.infer<typeof Rule>;

/** A recurring window in which nothing executes without an admin's approval. */
export const Freeze = z.strictObject({
  name: Name,
  // Five-field cron (minute hour day-of-month month day-of-week) for when the window opens.
  cron: NonEmpty,
  for: Duration,
  // IANA time zone the cron is read in; UTC when absent.
  timezone: NonEmpty.optional(),
  environments: z.array(Name).min(1, { error: 'a freeze names at least one environment' }),
  reason: z.string().optional(),
});
export type Freeze = z.infer<typeof Freeze>;

export const TimeLimits = z.strictObject({
  // From the card being posted until the last required approval.
  approval: Duration.optional(),
  // From the last required approval until execution starts.
  execution: Duration.optional(),
});
export type TimeLimits = z.infer<typeof TimeLimits>;
export const DEFAULT_TIME_LIMITS = { approval: '30m', execution: '15m' } as const;

/**
 * Who decides when someone presses Escalate: these approver groups become eligible on the
 * proposal, and they (or the channel) are mentioned in its thread.
 */
export const Escalation = z.strictObject({
  approvers: z.array(Name).min(1, { error: 'name at least one approver group to escalate to' }),
  channel: SlackChannelId.optional(),
});
export type Escalation = z.infer<typeof Escalation>;

/**
 * Incident grouping for alerts no rule's `group_by` covers. Without it, an alert source's own
 * grouping applies (Alertmanager's groupKey, a CloudWatch alarm's ARN, …).
 */
export const Incidents = z.strictObject({
  group_by: z.array(LabelName).min(1, { error: 'list at least one label, or leave group_by out' }),
});
export type Incidents = z.infer<typeof Incidents>;

/** One policy file: every section optional, since sections merge across files. */
export const PolicyFile = z.strictObject({
  environments: z.record(Name, Environment).optional(),
  approvers: z.record(Name, ApproverGroup).optional(),
  admins: z.array(SlackUserId).optional(),
  requirements: z.record(Name, RequirementRow).optional(),
  actions: z.record(Name, Action).optional(),
  rules: z.array(Rule).optional(),
  freezes: z.array(Freeze).optional(),
  time_limits: TimeLimits.optional(),
  escalation: Escalation.optional(),
  incidents: Incidents.optional(),
  digest: Digest.optional(),
});
export type PolicyFile = z.infer<typeof PolicyFile>;

/**
 * The merged policy of all files. Environment key order is evaluation order. `origin` maps a
 * dotted path (`actions.scale-asg`, `requirements.prod.service`, `freezes.weekend`) to the
 * `file:line` that declared it, so decisions can cite the policy lines that produced them.
 */
export const Policy = z.strictObject({
  environments: z.record(Name, Environment),
  approvers: z.record(Name, ApproverGroup),
  admins: z.array(SlackUserId),
  requirements: z.record(Name, RequirementRow),
  actions: z.record(Name, Action),
  rules: z.array(Rule),
  freezes: z.array(Freeze),
  time_limits: z.strictObject({ approval: Duration, execution: Duration }),
  escalation: Escalation.optional(),
  incidents: Incidents.optional(),
  digest: Digest.optional(),
  origin: z.record(z.string(), z.string()).optional(),
});
export type Policy = z.infer<typeof Policy>;

/** The map sections, in the order their names are reported. */
export const mapSections = ['environments', 'approvers', 'requirements', 'actions'] as const;
export type MapSection = (typeof mapSections)[number];
