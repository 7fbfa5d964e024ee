// Builds the one policy of all files, and `origin`: where each part was declared, so that a
// decision can cite the reviewed lines that produced it ("requirements.prod.service at
// 20-requirements.yml:14"). Only meaningful when the checks found no errors.
import { lineOf } from './check-entries.ts';
import type { Entries, Entry } from './check-entries.ts';
import { collectAdmins, mergeDigest, mergeEscalation, mergeIncidents, mergeTimeLimits } from './check-file-sections.ts';
import { BlastRadiusSchema } from './schema.ts';
import type { Policy } from './schema.ts';
import { formatPath } from './source.ts';
import type { DataPath, SourceFile } from './source.ts';

type Origin = Record<string, string>;

function recordOrigin(origin: Origin, key: string, src: SourceFile, path: DataPath): void {
  // The first declaration is the one merged; a later one is a duplicate error.
  origin[key] ??= lineOf(src, path);
}

/** Entries that parsed, first declaration of each name only (later ones are duplicate errors). */
function merged<T>(entries: readonly Entry<T>[]): (Entry<T> & { value: T })[] {
  const seen = new Set<string>();
  return entries.flatMap((e) => {
    if (e.value === null || (e.name !== '' && seen.has(e.name))) return [];
    seen.add(e.name);
    return [{ ...e, value: e.value }];
  });
}

const actionParts = ['requirement', 'budget', 'cooldown', 'verify', 'breakers', 'dry_run'] as const;

export function merge(entries: Entries, sources: readonly SourceFile[]): Policy {
  const origin: Origin = {};
  const limits = mergeTimeLimits(sources);
  const policy: Policy = { environments: {}, approvers: {}, admins: [], requirements: {}, actions: {}, rules: [], freezes: [], time_limits: limits.limits, origin };
  for (const e of merged(entries.environments)) {
    policy.environments[e.name] = e.value;
    recordOrigin(origin, `environments.${e.name}`, e.src, e.path);
  }
  for (const e of merged(entries.approvers)) {
    policy.approvers[e.name] = e.value;
    recordOrigin(origin, `approvers.${e.name}`, e.src, e.path);
  }
  for (const a of collectAdmins(sources)) {
    if (!policy.admins.includes(a.user)) policy.admins.push(a.user);
    recordOrigin(origin, 'admins', a.src, ['admins']);
    recordOrigin(origin, `admins.${a.user}`, a.src, a.path);
  }
  for (const e of merged(entries.requirements)) {
    policy.requirements[e.name] = e.value;
    for (const radius of BlastRadiusSchema.options) recordOrigin(origin, `requirements.${e.name}.${radius}`, e.src, [...e.path, radius]);
  }
  for (const e of merged(entries.actions)) {
    policy.actions[e.name] = e.value;
    recordOrigin(origin, `actions.${e.name}`, e.src, e.path);
    e.value.targets.forEach((_, i) => recordOrigin(origin, formatPath([...e.path, 'targets', i]), e.src, [...e.path, 'targets', i]));
    for (const part of actionParts) if (e.value[part] !== undefined) recordOrigin(origin, `actions.${e.name}.${part}`, e.src, [...e.path, part]);
  }
  for (const e of merged(entries.rules)) {
    policy.rules.push(e.value);
    recordOrigin(origin, `rules.${e.name}`, e.src, e.path);
  }
  for (const e of merged(entries.freezes)) {
    policy.freezes.push(e.value);
    recordOrigin(origin, `freezes.${e.name}`, e.src, e.path);
  }
  if (limits.src) recordOrigin(origin, 'time_limits', limits.src, ['time_limits']);
  const escalation = mergeEscalation(sources);
  if (escalation.value && escalation.src) {
    policy.escalation = escalation.value;
    recordOrigin(origin, 'escalation', escalation.src, ['escalation']);
  }
  const incidents = mergeIncidents(sources);
  if (incidents.value && incidents.src) {
    policy.incidents = incidents.value;
    recordOrigin(origin, 'incidents', incidents.src, ['incidents']);
  }
  const digest = mergeDigest(sources);
  if (digest.value && digest.src) {
    policy.digest = digest.value;
    recordOrigin(origin, 'digest', digest.src, ['digest']);
  }
  return policy;
}
