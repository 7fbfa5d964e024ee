// Sections that are not maps of named entries: `admins` (a list concatenated across files) and
// `time_limits` (one map, declared in at most one file, so there is never a question of which
// file's limit wins).
import { field, lineOf, stringItems } from './check-entries.ts';
import { DEFAULT_TIME_LIMITS, TimeLimits } from './schema.ts';
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

function timeLimitSources(sources: readonly SourceFile[]): SourceFile[] {
  return sources.filter((src) => field(src.data, 'time_limits') !== undefined);
}

export function timeLimitErrors(sources: readonly SourceFile[]): PolicyError[] {
  const [first, ...rest] = timeLimitSources(sources);
  if (!first) return [];
  const firstAt = lineOf(first, ['time_limits']);
  return rest.map((src) =>
    errorAt(src, ['time_limits'], `time_limits is declared twice: in ${firstAt} and in ${lineOf(src, ['time_limits'])} (declare it in one file only)`, 'key'),
  );
}

/** The declared limits with defaults for what is left out, and the file that declared them. */
export function mergeTimeLimits(sources: readonly SourceFile[]): { limits: Policy['time_limits']; src: SourceFile | null } {
  const src = timeLimitSources(sources)[0] ?? null;
  const declared = src ? TimeLimits.safeParse(field(src.data, 'time_limits')) : null;
  return { limits: { ...DEFAULT_TIME_LIMITS, ...(declared?.success ? declared.data : {}) }, src };
}
