// Policy test cases: YAML files kept beside the policy (in its `tests/` directory) that state what
// the policy must decide for a given alert or proposal. They make a policy change reviewable the
// way code is: the diff of the policy comes with the diff of the outcomes it was meant to change.
// Parsed like policy files (safe YAML, strict keys), so every error points at file:line.
import { z } from 'zod';
import { issueMessage, issuesToErrors, protoKeyErrors } from './issues.ts';
import { RequirementSchema } from './schema.ts';
import { errorAt, parseSource } from './source.ts';
import type { DataPath, PolicyError, SourceFile } from './source.ts';

const NonEmpty = z.string().min(1, { error: 'must not be empty' });
const Name = z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, { error: 'expected a name as the policy spells it, such as prod or scale-asg' });
const Labels = z.record(z.string(), z.string());
const Time = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time such as 2026-11-18T12:00:00Z' });
const SlackId = z.string().regex(/^[UWS][A-Z0-9]+$/, { error: 'expected a Slack user id (U…) or user group id (S…)' });
const Capacity = z.int().min(0);

/** An alert as a case states it: the name and labels the policy routes on. */
export const CaseAlert = z.strictObject({
  alertname: NonEmpty,
  labels: Labels.optional(),
  annotations: Labels.optional(),
});
export type CaseAlert = z.infer<typeof CaseAlert>;

const scopesWithName = ['environment', 'action'];
export const CasePause = z
  .strictObject({
    scope: z.enum(['global', 'environment', 'action', 'auto']),
    name: Name.optional(),
    by: NonEmpty.optional(),
    reason: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    const needsName = scopesWithName.includes(p.scope);
    if (needsName && p.name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], input: undefined, message: `a pause of scope '${p.scope}' names the ${p.scope} it pauses` });
    }
    if (!needsName && p.name !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], input: p.name, message: `a pause of scope '${p.scope}' takes no name` });
    }
  });
export type CasePause = z.infer<typeof CasePause>;

/** What the running bot reads from Postgres; here stated by the case. Every key optional. */
export const CaseState = z.strictObject({
  now: Time.optional(),
  budget_used: z.int().min(0).optional(),
  last_execution: Time.nullable().optional(),
  pauses: z.array(CasePause).optional(),
});
export type CaseState = z.infer<typeof CaseState>;

/** Checks that need a decision, as opposed to routing checks. */
export const decisionChecks = ['requirement', 'approvers', 'refused'] as const;

export const CaseExpect = z
  .strictObject({
    // null: the alert routes to no environment / matches no rule / no freeze is open.
    environment: Name.nullable().optional(),
    rule: Name.nullable().optional(),
    freeze: Name.nullable().optional(),
    requirement: RequirementSchema.optional(),
    // Exactly the eligible approvers: user ids and user group ids, in any order.
    approvers: z.array(SlackId).optional(),
    // Each text must occur in some refusal reason.
    refused: z.array(NonEmpty).min(1, { error: 'list at least one text the refusal must contain' }).optional(),
  })
  .superRefine(
    (e, ctx) => {
      if (Object.values(e).every((v) => v === undefined)) {
        ctx.addIssue({ code: 'custom', path: [], input: e, message: 'expect at least one of: environment, rule, freeze, requirement, approvers, refused' });
      }
    },
    // A misspelt key is reported as unknown; "expects nothing" on top of it would only be noise.
    { when: (payload) => payload.issues.length === 0 },
  )
  .superRefine((e, ctx) => {
    if (e.refused !== undefined && e.requirement !== undefined && e.requirement !== 'advisory') {
      ctx.addIssue({ code: 'custom', path: ['requirement'], input: e.requirement, message: `a refused proposal is 'advisory', never '${e.requirement}'` });
    }
    if (e.refused !== undefined && e.approvers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['approvers'], input: e.approvers, message: 'a refused proposal has no approvers; drop approvers or refused' });
    }
  });
export type CaseExpect = z.infer<typeof CaseExpect>;

export const PolicyTestCase = z
  .strictObject({
    name: NonEmpty,
    alert: CaseAlert.optional(),
    environment: Name.optional(),
    action: Name.optional(),
    target: NonEmpty.optional(),
    params: z.strictObject({ desiredCapacity: Capacity.optional() }).optional(),
    current: z.strictObject({ desiredCapacity: Capacity }).optional(),
    state: CaseState.optional(),
    expect: CaseExpect,
  })
  .superRefine((c, ctx) => {
    const issue = (path: PropertyKey[], message: string, input?: unknown) => ctx.addIssue({ code: 'custom', path, input, message });
    if ((c.alert === undefined) === (c.environment === undefined)) {
      issue([], 'give exactly one of alert (routed like a real alert) or environment (routing skipped)');
    }
    if (c.environment !== undefined) {
      if (c.action === undefined) issue([], 'without an alert there is no rule to pick the action: give action');
      for (const key of ['environment', 'rule'] as const) {
        if (c.expect?.[key] !== undefined) issue(['expect', key], `expect.${key} checks how an alert is routed; this case gives no alert`, c.expect[key]);
      }
    }
    const needsDecision = decisionChecks.some((k) => c.expect?.[k] !== undefined);
    const labelTarget = c.alert?.labels?.['autoscaling_group'];
    if (needsDecision && c.target === undefined && labelTarget === undefined) {
      issue([], 'give target (or an alert label autoscaling_group): the decision is about one target');
    }
  });
export type PolicyTestCase = z.infer<typeof PolicyTestCase>;

const CaseList = z.array(PolicyTestCase).min(1, { error: 'list at least one case' });
/** A file is a list of cases, or a map with shared `defaults` and the `cases`. */
export const CaseFileWithDefaults = z.strictObject({
  defaults: z.strictObject({ state: CaseState.optional() }).optional(),
  cases: CaseList,
});

/** One case with where it was written and the file's defaults already applied. */
export interface LocatedCase {
  case: PolicyTestCase;
  /** State after applying the file's `defaults.state`. */
  state: CaseState;
  src: SourceFile;
  path: DataPath;
  file: string;
  line: number;
}

export function parseCaseFile(file: string, text: string): { cases: LocatedCase[]; errors: PolicyError[] } {
  const { source, errors } = parseSource(file, text);
  if (source.data === undefined) return { cases: [], errors };
  const isList = Array.isArray(source.data);
  const schema = isList ? CaseList : CaseFileWithDefaults;
  const result = schema.safeParse(source.data, { error: issueMessage, reportInput: true });
  const schemaErrors = result.success ? [] : issuesToErrors(source, schema, result.error.issues);
  const all = [...errors, ...schemaErrors, ...protoKeyErrors(source, source.data)].sort((a, b) => a.line - b.line || a.column - b.column);
  if (!result.success || all.length > 0) return { cases: [], errors: all };
  const data = result.data;
  const list = Array.isArray(data) ? data : data.cases;
  const defaults = Array.isArray(data) ? {} : (data.defaults?.state ?? {});
  const cases = list.map((c, i): LocatedCase => {
    const path = isList ? [i] : ['cases', i];
    const at = errorAt(source, [...path, 'name'], '', 'key');
    return { case: c, state: { ...defaults, ...c.state }, src: source, path, file, line: at.line };
  });
  return { cases, errors: [] };
}
