// The policy files are the whitelist: the only actions, targets and bounds the bot may ever use.
// Everything is a strict object so that a typo (`max_stpe`) is an error instead of a silently
// missing safety limit. New sections (requirement matrix, freezes, budgets) are added as
// optional keys of `PolicyFile` and required keys of `Policy`.
import { z } from 'zod';
import type { BlastRadius, Requirement } from '../domain/proposal.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const RequirementSchema = z.enum(['auto', 'one', 'two', 'advisory']);
export const BlastRadiusSchema = z.enum(['resource', 'service', 'environment', 'global']);
// Compile-time guard: the schema and the domain vocabulary must list the same values.
true satisfies Same<z.infer<typeof RequirementSchema>, Requirement>;
true satisfies Same<z.infer<typeof BlastRadiusSchema>, BlastRadius>;

// A letter first: JS objects enumerate integer-like keys before all others, which would
// silently reorder environments (they are evaluated in declared order). It also keeps
// `__proto__` and friends out of the maps.
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
const Name = z
  .string()
  .regex(NAME_PATTERN, { error: "expected a name that starts with a letter and uses only letters, digits, '.', '_' or '-'" });

// Label names as alert sources send them (Prometheus names, plus the dotted/slashed keys of
// Kubernetes-style labels). A leading `__` is reserved by Prometheus and would admit `__proto__`.
const LabelName = z
  .string()
  .regex(/^(?!__)[A-Za-z_][A-Za-z0-9_./-]*$/, {
    error: "expected a label name (letters, digits, '_', '.', '/', '-'; not starting with '__')",
  });

const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]+$/, { error: 'expected a Slack channel id such as C0123ABCD' });
const SlackUserId = z.string().regex(/^[UW][A-Z0-9]+$/, { error: 'expected a Slack user id such as U0123ABCD' });
const NonEmpty = z.string().min(1, { error: 'must not be empty' });

export const Environment = z.strictObject({
  channel: SlackChannelId,
  // label → accepted values; all listed labels must match. Absent means catch-all.
  match: z.record(LabelName, z.array(z.string()).min(1, { error: 'list at least one accepted value' })).optional(),
});
export type Environment = z.infer<typeof Environment>;

export const ApproverGroup = z.strictObject({
  users: z.array(SlackUserId).min(1, { error: 'an approver group needs at least one user' }),
});
export type ApproverGroup = z.infer<typeof ApproverGroup>;

export const Target = z
  .strictObject({
    // Glob over the resource name: `*` any run of characters, `?` exactly one.
    asg: z.string().regex(/^\S{1,255}$/, { error: 'expected a non-empty name pattern without spaces, such as web-*' }),
    min: z.int().min(0),
    max: z.int().min(0),
    max_step: z.int().min(1),
  })
  .superRefine((t, ctx) => {
    // Guarded: zod may run this even when a sibling field failed its own check.
    if (typeof t.min === 'number' && typeof t.max === 'number' && t.min > t.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], input: t.min, message: `min (${t.min}) is greater than max (${t.max})` });
    }
  });
export type Target = z.infer<typeof Target>;

export const Action = z.strictObject({
  executor: NonEmpty,
  description: z.string().optional(),
  blast_radius: BlastRadiusSchema,
  requirement: RequirementSchema,
  approvers: z.array(Name),
  targets: z.array(Target).min(1, { error: 'an action needs at least one target' }),
  rollback: NonEmpty,
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
});
export type Rule = z.infer<typeof Rule>;

/** One policy file: every section optional, since sections merge across files. */
export const PolicyFile = z.strictObject({
  environments: z.record(Name, Environment).optional(),
  approvers: z.record(Name, ApproverGroup).optional(),
  actions: z.record(Name, Action).optional(),
  rules: z.array(Rule).optional(),
});
export type PolicyFile = z.infer<typeof PolicyFile>;

/** The merged policy of all files. Environment key order is evaluation order. */
export const Policy = z.strictObject({
  environments: z.record(Name, Environment),
  approvers: z.record(Name, ApproverGroup),
  actions: z.record(Name, Action),
  rules: z.array(Rule),
});
export type Policy = z.infer<typeof Policy>;

/** The map sections, in the order their names are reported. */
export const mapSections = ['environments', 'approvers', 'actions'] as const;
export type MapSection = (typeof mapSections)[number];
