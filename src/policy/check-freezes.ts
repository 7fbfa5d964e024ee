// Freeze windows are checked at load time because a bad one fails open: a cron or time zone
// that cannot be read, or an environment name with a typo, would silently freeze nothing. One
// that never lifts fails closed, but stops the bot for good, which nobody means either.
import { CronExpressionParser } from 'cron-parser';
import { declaredList, environmentNames, field, label, stringItems } from './check-entries.ts';
import type { Entries, Entry } from './check-entries.ts';
import { checkCron, isTimeZone } from './cron.ts';
import { durationMs } from './schema.ts';
import type { Freeze } from './schema.ts';
import { errorAt } from './source.ts';
import type { PolicyError } from './source.ts';

// Enough windows to span years for any sensible cron, and few enough to stay cheap (the walk
// stops at the first gap, so only a freeze that never lifts goes through all of them).
const MAX_WINDOWS = 1000;

function durationText(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.round((ms % 3_600_000) / 60_000);
  return h > 0 && m > 0 ? `${h}h${m}m` : h > 0 ? `${h}h` : `${m}m`;
}

/**
 * The longest gap between firings while every window still reaches the next one, or null
 * once a window ends before the next opens (the freeze lifts). A `for` of 62h on a daily cron
 * (a plausible slip for a weekly one) would otherwise stop the bot for good.
 */
function neverLifts(cron: string, tz: string, forMs: number): number | null {
  try {
    const it = CronExpressionParser.parse(cron, { tz });
    let opened = it.next().getTime();
    let longest = 0;
    for (let i = 0; i < MAX_WINDOWS; i++) {
      const next = it.next().getTime();
      if (next - opened > forMs) return null;
      longest = Math.max(longest, next - opened);
      opened = next;
    }
    return longest;
  } catch {
    return null; // no further firing: the last window ends
  }
}

function freezeErrors(f: Entry<Freeze>, envs: readonly string[] | null): PolicyError[] {
  const errors: PolicyError[] = [];
  const name = label(f);
  const timezone = field(f.raw, 'timezone');
  const tzKnown = typeof timezone === 'string' && isTimeZone(timezone);
  if (typeof timezone === 'string' && timezone !== '' && !tzKnown) {
    errors.push(errorAt(f.src, [...f.path, 'timezone'], `freeze '${name}' has an unknown time zone '${timezone}': expected an IANA time zone name such as UTC or Europe/Paris`));
  }
  const cron = field(f.raw, 'cron');
  if (typeof cron === 'string' && cron !== '') {
    // A bad time zone is reported above; reading the cron in UTC keeps its own error apart.
    const tz = tzKnown ? timezone : 'UTC';
    const checked = checkCron(cron, tz);
    if (!checked.ok) errors.push(errorAt(f.src, [...f.path, 'cron'], `freeze '${name}' has an invalid cron '${cron}': ${checked.error}`));
    const length = field(f.raw, 'for');
    const forMs = typeof length === 'string' ? durationMs(length) : Number.NaN;
    const gap = checked.ok && forMs > 0 ? neverLifts(cron, tz, forMs) : null;
    if (gap !== null) {
      errors.push(errorAt(f.src, [...f.path, 'for'], `freeze '${name}' never lifts: its cron opens a new window at most ${durationText(gap)} after the previous one but each window lasts ${String(length)}, so the frozen environments would stay frozen for good (shorten 'for' or make the cron fire less often)`));
    }
  }
  for (const [env, i] of stringItems(f.raw, 'environments')) {
    if (envs !== null && !envs.includes(env)) {
      errors.push(errorAt(f.src, [...f.path, 'environments', i], `freeze '${name}' names environment '${env}' which is not declared in environments (declared: ${declaredList(envs)})`));
    }
  }
  return errors;
}

export function freezesErrors(entries: Entries, allFilesRead: boolean): PolicyError[] {
  // An environment may be declared in a file that could not be read.
  const envs = allFilesRead ? environmentNames(entries) : null;
  return entries.freezes.flatMap((f) => freezeErrors(f, envs));
}
