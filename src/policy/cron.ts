// Cron expressions of freeze windows. Parsing is delegated to cron-parser (a well-kept library
// with time-zone support); this file pins what the policy accepts: five fields, no seconds.
import { CronExpressionParser } from 'cron-parser';

export type CronCheck = { ok: true } | { ok: false; error: string };

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validates a five-field cron expression (minute hour day-of-month month day-of-week). */
export function checkCron(expr: string, tz = 'UTC'): CronCheck {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return { ok: false, error: `expected 5 cron fields (minute hour day-of-month month day-of-week), got ${fields.length}` };
  }
  try {
    CronExpressionParser.parse(expr, { tz, strict: false });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The latest time at or before `now` at which the cron fires, or null if it never has
 * (within the library's search range). Used to tell whether a freeze window is open:
 * open when `now - lastFiring(...) < for`.
 */
export function lastFiring(expr: string, now: Date, tz = 'UTC'): Date | null {
  try {
    // `prev()` is strictly before currentDate; a window opening exactly now counts, so look
    // from one millisecond later.
    const it = CronExpressionParser.parse(expr, { tz, currentDate: new Date(now.getTime() + 1) });
    return it.prev().toDate();
  } catch {
    return null;
  }
}
