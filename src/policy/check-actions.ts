// Checks of one action against the rest of the policy and the app. They read the raw fields, so
// an action that also lacks, say, `rollback` still gets its unknown executor reported in the
// same run.
import { declaredList, environmentNames, field, firstByName, lineOf, stringItems } from './check-entries.ts';
import type { Entries, Entry } from './check-entries.ts';
import type { ExecutorShape } from '../actions/executor.ts';
import { stricter } from './decision.ts';
import { matchesGlob } from './matchers.ts';
import { BlastRadiusSchema, RequirementSchema } from './schema.ts';
import type { Action } from './schema.ts';
import { errorAt } from './source.ts';
import type { PolicyError } from './source.ts';

export interface ActionCheckOptions {
  knownExecutors: readonly string[];
  allFilesRead: boolean;
  /** Absent (older callers, tests of other sections): the executor-specific checks are skipped. */
  executorShapes?: Readonly<Record<string, ExecutorShape>>;
}

export function known(list: readonly string[], what: string): string {
  return list.length > 0 ? `known ${what}: ${list.join(', ')}` : `no ${what} are registered`;
}

const approvalsNeeded = { auto: 0, one: 1, two: 2, advisory: 0 } as const;

/** Who the action's groups name; null when that cannot be known (an unread file, an unknown or broken group). */
function approverPool(a: Entry<Action>, entries: Entries, allFilesRead: boolean): { users: number; usergroups: number } | null {
  if (!allFilesRead || !Array.isArray(field(a.raw, 'approvers'))) return null;
  const groups = firstByName(entries.approvers);
  const users = new Set<string>();
  const usergroups = new Set<string>();
  for (const [name] of stringItems(a.raw, 'approvers')) {
    const g = groups.get(name)?.value;
    if (!g) return null;
    g.users?.forEach((u) => users.add(u));
    g.usergroups?.forEach((u) => usergroups.add(u));
  }
  return { users: users.size, usergroups: usergroups.size };
}

/**
 * An action that can never gather its approvals is a policy bug, not a runtime surprise. Checked
 * per environment: the matrix cell for the action's blast radius, made stricter by the action's
 * own requirement. User groups are resolved at decision time, so any user group disarms the check.
 */
function approvalCountErrors(a: Entry<Action>, entries: Entries, allFilesRead: boolean): PolicyError[] {
  const pool = approverPool(a, entries, allFilesRead);
  const radius = BlastRadiusSchema.safeParse(field(a.raw, 'blast_radius'));
  if (!pool || pool.usergroups > 0 || !radius.success) return [];
  const own = RequirementSchema.safeParse(field(a.raw, 'requirement'));
  const rows = firstByName(entries.requirements);
  return environmentNames(entries).flatMap((env) => {
    const row = rows.get(env);
    const cell = row?.value?.[radius.data];
    if (!row || !cell) return [];
    const effective = own.success ? stricter(cell, own.data) : cell;
    const needed = approvalsNeeded[effective];
    if (pool.users >= needed) return [];
    const cellPath = [...row.path, radius.data];
    const at = lineOf(row.src, cellPath);
    const byOwn = own.success && effective !== cell;
    const why = byOwn
      ? `its own requirement '${effective}', stricter than requirements.${env}.${radius.data} '${cell}' at ${at}`
      : `requirements.${env}.${radius.data} is '${cell}', at ${at}`;
    return [
      errorAt(
        a.src,
        [...a.path, byOwn ? 'requirement' : 'approvers'],
        `action '${a.name}' needs ${needed} approval(s) in environment '${env}' (${why}) but its approver groups name ${pool.users} distinct user(s) and no user group`,
      ),
    ];
  });
}

/**
 * The first target whose pattern matches applies, so a later pattern that an earlier one covers
 * is dead text whose bounds a reviewer would wrongly believe in. An earlier pattern without `?`
 * that matches the later pattern's text covers it: the later one's wildcards can only fall
 * inside the earlier one's `*`s.
 */
function shadowedTargetErrors(a: Entry<Action>): PolicyError[] {
  const targets = field(a.raw, 'targets');
  if (!Array.isArray(targets)) return [];
  const keys = targets.map((t: unknown) => (field(t, 'asg') === undefined && field(t, 'service') !== undefined ? 'service' : 'asg'));
  const patterns = targets.map((t: unknown, i) => field(t, keys[i]!));
  return patterns.flatMap((later, j) => {
    if (typeof later !== 'string') return [];
    const i = patterns.findIndex((earlier, k) => k < j && typeof earlier === 'string' && (earlier === later || (!earlier.includes('?') && matchesGlob(earlier, later))));
    if (i < 0) return [];
    return [
      errorAt(
        a.src,
        [...a.path, 'targets', j, keys[j]!],
        `action '${a.name}' target '${later}' can never apply: the earlier target '${String(patterns[i])}' (targets[${i}]) matches every group it matches, and the first matching target's bounds apply (list the narrower pattern first, or remove one)`,
      ),
    ];
  });
}

const ASG_TARGET_HELP = "{ asg: <group pattern>, min, max, max_step }";
const SERVICE_TARGET_HELP = '{ service: <service pattern> }';

/**
 * What the executor asks of its declaration: capacity executors act on groups within bounds (asg
 * targets; the schema already requires the bounds of an asg target), runbook executors on services
 * through the runbook the policy declares, and nothing else may carry a runbook.
 */
function executorShapeErrors(a: Entry<Action>, shape: ExecutorShape, executor: string): PolicyError[] {
  const errors: PolicyError[] = [];
  const targets = field(a.raw, 'targets');
  if (Array.isArray(targets)) {
    targets.forEach((t: unknown, i) => {
      const hasAsg = field(t, 'asg') !== undefined;
      const hasService = field(t, 'service') !== undefined;
      if (shape.targets === 'asg' && hasService && !hasAsg) {
        errors.push(errorAt(a.src, [...a.path, 'targets', i, 'service'], `action '${a.name}' uses executor '${executor}', which changes Auto Scaling groups within bounds: its targets are ${ASG_TARGET_HELP}, not services`, 'key'));
      }
      if (shape.targets === 'service' && hasAsg && !hasService) {
        errors.push(errorAt(a.src, [...a.path, 'targets', i, 'asg'], `action '${a.name}' uses executor '${executor}', which runs a runbook for a service: its targets are ${SERVICE_TARGET_HELP}, not Auto Scaling groups`, 'key'));
      }
    });
  }
  const runbook = field(a.raw, 'runbook');
  if (shape.runbook && runbook === undefined) {
    errors.push(errorAt(a.src, [...a.path, 'runbook'], `action '${a.name}': missing required key 'runbook' (executor '${executor}' POSTs only to the runbook declared here: { url, secret_env, timeout? })`, 'parent'));
  }
  if (!shape.runbook && runbook !== undefined) {
    errors.push(errorAt(a.src, [...a.path, 'runbook'], `action '${a.name}' declares a runbook, but executor '${executor}' calls no runbook (only runbook executors take one)`, 'key'));
  }
  return errors;
}

export function actionErrors(a: Entry<Action>, entries: Entries, opts: ActionCheckOptions): PolicyError[] {
  const errors: PolicyError[] = [];
  const executor = field(a.raw, 'executor');
  if (typeof executor === 'string' && !opts.knownExecutors.includes(executor)) {
    errors.push(errorAt(a.src, [...a.path, 'executor'], `action '${a.name}' uses executor '${executor}' which is not known (${known(opts.knownExecutors, 'executors')})`));
  }
  const shape = typeof executor === 'string' && opts.executorShapes && Object.hasOwn(opts.executorShapes, executor) ? opts.executorShapes[executor] : undefined;
  if (shape && typeof executor === 'string') errors.push(...executorShapeErrors(a, shape, executor));
  if (opts.allFilesRead) {
    const groups = firstByName(entries.approvers);
    for (const [group, i] of stringItems(a.raw, 'approvers')) {
      if (!groups.has(group)) {
        errors.push(errorAt(a.src, [...a.path, 'approvers', i], `action '${a.name}' names approver group '${group}' which is not declared in approvers (declared groups: ${declaredList([...groups.keys()])})`));
      }
    }
  }
  // Someone who writes `auto` here expects autonomy the matrix may not grant; say so now.
  if (field(a.raw, 'requirement') === 'auto') {
    errors.push(errorAt(a.src, [...a.path, 'requirement'], `action '${a.name}' sets requirement 'auto', which has no effect: an action's requirement can only make the requirements matrix stricter, never looser (remove it, or change the matrix)`));
  }
  errors.push(...shadowedTargetErrors(a), ...approvalCountErrors(a, entries, opts.allFilesRead));
  return errors;
}
