// Checks that span entries and files: duplicate names, references between sections, executors
// and diagnosis rules the app knows, and the merge itself. A name counts as declared even if
// its body had schema errors, so a broken entry is reported once, not again by every reference.
import type { z } from 'zod';
import { Action, ApproverGroup, Environment, NAME_PATTERN, Rule, mapSections } from './schema.ts';
import type { MapSection, Policy } from './schema.ts';
import { errorAt, locate } from './source.ts';
import type { PolicyError, SourceFile } from './source.ts';

export interface CheckOptions {
  knownExecutors: readonly string[];
  knownDiagnoses: readonly string[];
  /**
   * False when some file could not be read as YAML: names declared there are unknown, so
   * "not declared" reference errors would be guesses and are left out until it parses.
   */
  allFilesRead: boolean;
}

interface Entry<T> {
  name: string;
  src: SourceFile;
  path: readonly PropertyKey[];
  raw: unknown;
  /** null when the entry failed its own schema (already reported). */
  value: T | null;
}

interface Entries {
  environments: Entry<Environment>[];
  approvers: Entry<ApproverGroup>[];
  actions: Entry<Action>[];
  rules: Entry<Rule>[];
}

const kindOf: Record<MapSection | 'rules', string> = {
  environments: 'environment',
  approvers: 'approver group',
  actions: 'action',
  rules: 'rule',
};

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function parsed<T>(schema: z.ZodType<T>, raw: unknown): T | null {
  const r = schema.safeParse(raw);
  return r.success ? r.data : null;
}

function collectMap<T>(sources: readonly SourceFile[], section: MapSection, schema: z.ZodType<T>): Entry<T>[] {
  return sources.flatMap((src) =>
    Object.entries(asRecord(asRecord(src.data)?.[section]) ?? {}).map(([name, raw]) => ({
      name,
      src,
      path: [section, name],
      raw,
      // An entry under an invalid name is not merged (its name error is reported already).
      value: NAME_PATTERN.test(name) ? parsed(schema, raw) : null,
    })),
  );
}

function collectRules(sources: readonly SourceFile[]): Entry<Rule>[] {
  return sources.flatMap((src) => {
    const rules = asRecord(src.data)?.['rules'];
    return (Array.isArray(rules) ? rules : []).map((raw: unknown, i) => {
      const name = asRecord(raw)?.['name'];
      return { name: typeof name === 'string' ? name : '', src, path: ['rules', i], raw, value: parsed(Rule, raw) };
    });
  });
}

/** Entries in file order, then declared order: this order is the merge order. */
function collect(sources: readonly SourceFile[]): Entries {
  return {
    environments: collectMap(sources, 'environments', Environment),
    approvers: collectMap(sources, 'approvers', ApproverGroup),
    actions: collectMap(sources, 'actions', Action),
    rules: collectRules(sources),
  };
}

function where(e: Entry<unknown>): string {
  return `${e.src.file}:${locate(e.src, e.path, 'key').line}`;
}

function duplicates(kind: string, entries: readonly Entry<unknown>[]): PolicyError[] {
  const first = new Map<string, Entry<unknown>>();
  const errors: PolicyError[] = [];
  for (const e of entries) {
    if (e.name === '') continue; // a rule without a usable name; its schema error says so
    const seen = first.get(e.name);
    if (seen) errors.push(errorAt(e.src, e.path, `${kind} '${e.name}' is declared twice: in ${where(seen)} and in ${where(e)}`, 'key'));
    else first.set(e.name, e);
  }
  return errors;
}

/** A catch-all environment hides every environment evaluated after it. */
function unreachableEnvironments(envs: readonly Entry<Environment>[]): PolicyError[] {
  // Only the first declaration of a name counts; a second one is a duplicate error already.
  const valid = envs.filter((e, i) => e.value !== null && envs.findIndex((f) => f.name === e.name) === i);
  const catchAll = valid.find((e) => Object.keys(e.value?.match ?? {}).length === 0);
  if (!catchAll) return [];
  return valid
    .slice(valid.indexOf(catchAll) + 1)
    .map((e) => errorAt(e.src, e.path, `environment '${e.name}' can never match: catch-all environment '${catchAll.name}' (no match labels) in ${where(catchAll)} is evaluated before it`, 'key'));
}

function known(list: readonly string[], what: string): string {
  return list.length > 0 ? `known ${what}: ${list.join(', ')}` : `no ${what} are registered`;
}

function field(raw: unknown, key: string): unknown {
  const record = asRecord(raw);
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The string items of a list field with their indexes; other items are schema errors already. */
function stringItems(raw: unknown, key: string): [string, number][] {
  const list = field(raw, key);
  return Array.isArray(list) ? list.flatMap((v: unknown, i) => (typeof v === 'string' ? [[v, i] as [string, number]] : [])) : [];
}

// Reference checks read the raw fields, so an action that also lacks, say, `rollback` still
// gets its unknown executor reported in the same run.
function actionErrors(a: Entry<Action>, entries: Entries, opts: CheckOptions): PolicyError[] {
  const errors: PolicyError[] = [];
  const executor = field(a.raw, 'executor');
  if (typeof executor === 'string' && !opts.knownExecutors.includes(executor)) {
    errors.push(errorAt(a.src, [...a.path, 'executor'], `action '${a.name}' uses executor '${executor}' which is not known (${known(opts.knownExecutors, 'executors')})`));
  }
  const groups = new Map(entries.approvers.map((g) => [g.name, g.value]));
  const users = new Set<string>();
  let complete = opts.allFilesRead && Array.isArray(field(a.raw, 'approvers'));
  for (const [group, i] of stringItems(a.raw, 'approvers')) {
    const g = groups.get(group);
    g?.users.forEach((u) => users.add(u));
    if (!g) complete = false;
    if (!groups.has(group) && opts.allFilesRead) {
      const declared = [...groups.keys()].join(', ') || 'none';
      errors.push(errorAt(a.src, [...a.path, 'approvers', i], `action '${a.name}' names approver group '${group}' which is not declared in approvers (declared groups: ${declared})`));
    }
  }
  // An action that can never gather its approvals is a policy bug, not a runtime surprise.
  const requirement = field(a.raw, 'requirement');
  const needed = requirement === 'two' ? 2 : requirement === 'one' ? 1 : 0;
  if (complete && users.size < needed) {
    errors.push(errorAt(a.src, [...a.path, 'requirement'], `action '${a.name}' requires ${needed} approval(s) but its approver groups name ${users.size} distinct user(s)`));
  }
  return errors;
}

function ruleErrors(r: Entry<Rule>, actionNames: ReadonlySet<string>, opts: CheckOptions): PolicyError[] {
  const errors: PolicyError[] = [];
  const label = r.name === '' ? `#${String(r.path[1])}` : r.name;
  const diagnose = field(r.raw, 'diagnose');
  if (typeof diagnose === 'string' && !opts.knownDiagnoses.includes(diagnose)) {
    errors.push(errorAt(r.src, [...r.path, 'diagnose'], `rule '${label}' names diagnosis rule '${diagnose}' which is not known (${known(opts.knownDiagnoses, 'diagnosis rules')})`));
  }
  if (!opts.allFilesRead) return errors;
  for (const [action, i] of stringItems(r.raw, 'candidates')) {
    if (!actionNames.has(action)) {
      errors.push(errorAt(r.src, [...r.path, 'candidates', i], `rule '${label}' names action '${action}' which is not whitelisted in actions`));
    }
  }
  return errors;
}

function merge(entries: Entries): Policy {
  const policy: Policy = { environments: {}, approvers: {}, actions: {}, rules: [] };
  for (const e of entries.environments) if (e.value) policy.environments[e.name] = e.value;
  for (const e of entries.approvers) if (e.value) policy.approvers[e.name] = e.value;
  for (const e of entries.actions) if (e.value) policy.actions[e.name] = e.value;
  for (const e of entries.rules) if (e.value) policy.rules.push(e.value);
  return policy;
}

/** Cross-entry checks over all files; the merged policy is only meaningful when errors is empty. */
export function checkAndMerge(sources: readonly SourceFile[], opts: CheckOptions): { policy: Policy; errors: PolicyError[] } {
  const entries = collect(sources);
  const errors: PolicyError[] = [];
  for (const section of [...mapSections, 'rules'] as const) errors.push(...duplicates(kindOf[section], entries[section]));
  errors.push(...unreachableEnvironments(entries.environments));
  for (const a of entries.actions) errors.push(...actionErrors(a, entries, opts));
  const actionNames = new Set(entries.actions.map((a) => a.name));
  for (const r of entries.rules) errors.push(...ruleErrors(r, actionNames, opts));
  return { policy: merge(entries), errors };
}
