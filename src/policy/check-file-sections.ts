// Sections that are not maps of named entries: `admins` (a list concatenated across files),
// `time_limits`, `escalation`, `incidents` and `digest` (one map each, declared in at most one file, so
// there is never a question of which file's value wins).
import { field, lineOf, stringItems } from './check-entries.ts';
import { z } from 'zod';
import { Digest } from './schema-digest.ts';
import { DEFAULT_TIME_LIMITS, Escalation, Incidents, TimeLimits } from './schema.ts';
import type { Policy } from './schema.ts';
import { errorAt } from './source.ts';
import type { DataPath, PolicyError, SourceFile } from './source.ts';

interface Admin {
  user: string;
  src: SourceFile;
  path: DataPath;
}

/** Every admin listed in any file, in merge order, duplicates included. */
export function collectAdmins(sources: readonly SourceFile[]): Admin[] {
  return sources.flatMap((src) => stringItems(src.data, 'admins').map(([user, i]) => ({ user, src, path: ['admins', i] })));
}

export function adminErrors(admins: readonly Admin[]): PolicyError[] {
  const first = new Map<string, Admin>();
  return admins.flatMap((a) => {
    const seen = first.get(a.user);
    if (!seen) {
      first.set(a.user, a);
      return [];
    }
    return [errorAt(a.src, a.path, `admin '${a.user}' is listed twice: in ${lineOf(seen.src, seen.path)} and in ${lineOf(a.src, a.path)}`)];
  });
}

/** Sections that are one map declared in at most one file. */
export const singleFileSections = ['time_limits', 'escalation', 'incidents', 'digest'] as const;
type SingleFileSection = (typeof singleFileSections)[number];

function sectionSources(sources: readonly SourceFile[], key: SingleFileSection): SourceFile[] {
  return sources.filter((src) => field(src.data, key) !== undefined);
}

export function singleFileSectionErrors(sources: readonly SourceFile[]): PolicyError[] {
  return singleFileSections.flatMap((key) => {
    const [first, ...rest] = sectionSources(sources, key);
    if (!first) return [];
    const firstAt = lineOf(first, [key]);
    return rest.map((src) => errorAt(src, [key], `${key} is declared twice: in ${firstAt} and in ${lineOf(src, [key])} (declare it in one file only)`, 'key'));
  });
}

/** The declared limits with defaults for what is left out, and the file that declared them. */
export function mergeTimeLimits(sources: readonly SourceFile[]): { limits: Policy['time_limits']; src: SourceFile | null } {
  const src = sectionSources(sources, 'time_limits')[0] ?? null;
  const declared = src ? TimeLimits.safeParse(field(src.data, 'time_limits')) : null;
  return { limits: { ...DEFAULT_TIME_LIMITS, ...(declared?.success ? declared.data : {}) }, src };
}

/** A single-file section (validated by the file checks already), if a file declares it, and that file. */
function mergeSingle<S extends z.ZodType>(sources: readonly SourceFile[], key: SingleFileSection, schema: S): { value: z.infer<S> | undefined; src: SourceFile | null } {
  const src = sectionSources(sources, key)[0] ?? null;
  const declared = src ? schema.safeParse(field(src.data, key)) : null;
  return { value: declared?.success ? declared.data : undefined, src };
}

export const mergeEscalation = (sources: readonly SourceFile[]) => mergeSingle(sources, 'escalation', Escalation);
export const mergeIncidents = (sources: readonly SourceFile[]) => mergeSingle(sources, 'incidents', Incidents);
export const mergeDigest = (sources: readonly SourceFile[]) => mergeSingle(sources, 'digest', Digest);

/** Escalation must name declared approver groups. */
export function escalationErrors(sources: readonly SourceFile[], groups: ReadonlySet<string>): PolicyError[] {
  const src = sectionSources(sources, 'escalation')[0];
  const list = src ? field(field(src.data, 'escalation'), 'approvers') : undefined;
  if (!src || !Array.isArray(list)) return [];
  return list.flatMap((g: unknown, i) =>
    typeof g === 'string' && !groups.has(g)
      ? [errorAt(src, ['escalation', 'approvers', i], `escalation names approver group '${g}' which is not declared in approvers (declared groups: ${[...groups].join(', ') || 'none'})`)]
      : [],
  );
}
