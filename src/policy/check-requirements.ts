// The requirements matrix must cover exactly the declared environments: a row for an unknown
// environment is a typo that leaves the real one without autonomy rules, and an environment
// without a row would have no answer to "who must approve this?".
import { declaredList, environmentNames, firstByName } from './check-entries.ts';
import type { Entries } from './check-entries.ts';
import { NAME_PATTERN } from './schema.ts';
import { errorAt } from './source.ts';
import type { PolicyError } from './source.ts';

export function requirementErrors(entries: Entries, allFilesRead: boolean): PolicyError[] {
  // Either side may be declared in a file that could not be read.
  if (!allFilesRead) return [];
  const envs = environmentNames(entries);
  const rows = firstByName(entries.requirements);
  const errors: PolicyError[] = [];
  for (const row of rows.values()) {
    // An invalid name is reported as such; "not declared" would only repeat it.
    if (NAME_PATTERN.test(row.name) && !envs.includes(row.name)) {
      errors.push(errorAt(row.src, row.namePath, `requirements names environment '${row.name}' which is not declared in environments (declared: ${declaredList(envs)})`, 'key'));
    }
  }
  for (const env of firstByName(entries.environments).values()) {
    if (envs.includes(env.name) && !rows.has(env.name)) {
      errors.push(errorAt(env.src, env.namePath, `environment '${env.name}' has no row in requirements: every environment needs a requirement for resource, service, environment and global`, 'key'));
    }
  }
  return errors;
}
