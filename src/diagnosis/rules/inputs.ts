// What a capacity rule reads from the request besides observations: the group the alert names and
// its validated settings. A bad setting throws: a misconfigured rule must fail loudly (the policy
// loader's test cases and `collect` run it before any AWS call), not diagnose with a guessed number.
import type { DiagnoseRequest } from '../engine.ts';

/** The Auto Scaling group an alert names, from its `autoscaling_group` label; null = none. */
export function asgTarget(labels: Record<string, string>): string | null {
  return labels['autoscaling_group']?.trim() || null;
}

function numberSetting(settings: DiagnoseRequest['settings'], key: string): number | undefined {
  const v = settings[key];
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

/** A percentage in (0, 100]; numeric strings are accepted (YAML authors quote numbers). */
export function percentSetting(rule: string, settings: DiagnoseRequest['settings'], key: string, dflt: number): number {
  const n = numberSetting(settings, key);
  if (n === undefined) return dflt;
  if (!Number.isFinite(n) || n <= 0 || n > 100) {
    throw new Error(`${rule}: setting ${key} must be a percentage in (0, 100], got ${JSON.stringify(settings[key])}`);
  }
  return n;
}

/** A whole number of minutes in [0, max]. */
export function minutesSetting(rule: string, settings: DiagnoseRequest['settings'], key: string, dflt: number, max: number): number {
  const n = numberSetting(settings, key);
  if (n === undefined) return dflt;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new Error(`${rule}: setting ${key} must be a whole number of minutes in [0, ${max}], got ${JSON.stringify(settings[key])}`);
  }
  return n;
}
