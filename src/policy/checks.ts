// Checks that span entries and files: duplicate names, references between sections, executors
// and diagnosis rules the app knows, and the merge itself. A name counts as declared even if
// its body had schema errors, so a broken entry is reported once, not again by every reference.
import type { ExecutorShape } from '../actions/executor.ts';
import { actionErrors, known } from './check-actions.ts';
import { collect, duplicates, field, firstByName, label, stringItems, where } from './check-entries.ts';
import type { Entries, Entry } from './check-entries.ts';
import { adminErrors, collectAdmins, escalationErrors, singleFileSectionErrors } from './check-file-sections.ts';
import { freezesErrors } from './check-freezes.ts';
import { requirementErrors } from './check-requirements.ts';
import { merge } from './merge.ts';
import type { Environment, Policy, Rule } from './schema.ts';
import { errorAt } from './source.ts';
import type { PolicyError, SourceFile } from './source.ts';

export interface CheckOptions {
  knownExecutors: readonly string[];
  knownDiagnoses: readonly string[];
  executorShapes?: Readonly<Record<string, ExecutorShape>>;
  /**
   * False when some file could not be read as YAML: names declared there are unknown, so
   * "not declared" reference errors would be guesses and are left out until it parses.
   */
  allFilesRead: boolean;
}

const kindOf: Record<keyof Entries, string> = {
  environments: 'environment',
  approvers: 'approver group',
  requirements: 'requirements row',
  actions: 'action',
  rules: 'rule',
  freezes: 'freeze',
};

/** A catch-all environment hides every environment evaluated after it. */
function unreachableEnvironments(envs: readonly Entry<Environment>[]): PolicyError[] {
  // Only the first declaration of a name counts; a second one is a duplicate error already.
  const valid = [...firstByName(envs).values()].filter((e) => e.value !== null);
  const catchAll = valid.find((e) => Object.keys(e.value?.match ?? {}).length === 0);
  if (!catchAll) return [];
  return valid
    .slice(valid.indexOf(catchAll) + 1)
    .map((e) => errorAt(e.src, e.namePath, `environment '${e.name}' can never match: catch-all environment '${catchAll.name}' (no match labels) in ${where(catchAll)} is evaluated before it`, 'key'));
}

function ruleErrors(r: Entry<Rule>, actionNames: ReadonlySet<string>, opts: CheckOptions): PolicyError[] {
  const errors: PolicyError[] = [];
  const diagnose = field(r.raw, 'diagnose');
  if (typeof diagnose === 'string' && !opts.knownDiagnoses.includes(diagnose)) {
    errors.push(errorAt(r.src, [...r.path, 'diagnose'], `rule '${label(r)}' names diagnosis rule '${diagnose}' which is not known (${known(opts.knownDiagnoses, 'diagnosis rules')})`));
  }
  if (!opts.allFilesRead) return errors;
  for (const [action, i] of stringItems(r.raw, 'candidates')) {
    if (!actionNames.has(action)) {
      errors.push(errorAt(r.src, [...r.path, 'candidates', i], `rule '${label(r)}' names action '${action}' which is not whitelisted in actions`));
    }
  }
  return errors;
}

/** Cross-entry checks over all files; the merged policy is only meaningful when errors is empty. */
export function checkAndMerge(sources: readonly SourceFile[], opts: CheckOptions): { policy: Policy; errors: PolicyError[] } {
  const entries = collect(sources);
  const errors: PolicyError[] = [];
  for (const section of Object.keys(kindOf) as (keyof Entries)[]) errors.push(...duplicates(kindOf[section], entries[section]));
  errors.push(...unreachableEnvironments(entries.environments));
  errors.push(...requirementErrors(entries, opts.allFilesRead));
  errors.push(...adminErrors(collectAdmins(sources)), ...singleFileSectionErrors(sources));
  if (opts.allFilesRead) errors.push(...escalationErrors(sources, new Set(entries.approvers.map((g) => g.name))));
  errors.push(...freezesErrors(entries, opts.allFilesRead));
  for (const a of entries.actions) errors.push(...actionErrors(a, entries, opts));
  const actionNames = new Set(entries.actions.map((a) => a.name));
  for (const r of entries.rules) errors.push(...ruleErrors(r, actionNames, opts));
  return { policy: merge(entries, sources), errors };
}
