// When the weekly digest is due, from the policy's `digest` section. Pure: the scheduler asks
// "which slot is due now?" and the store makes sure each slot is posted once.
import { CronExpressionParser } from 'cron-parser';
import { lastFiring } from '../policy/cron.ts';
import { WEEKDAYS, type Digest } from '../policy/schema-digest.ts';

/**
 * How late a slot may still be posted: a bot that was down at 09:00 on Monday posts the digest when
 * it comes back that day, but not a stale one on Thursday (the next slot is closer by then).
 */
export const LATE_GRACE_MS = 24 * 3_600_000;

export type DigestSchedule = Pick<Digest, 'day' | 'time' | 'timezone'>;

/** The schedule as a five-field cron read in `timezone` (cron-parser handles DST for us). */
export function digestCron(d: DigestSchedule): string {
  const [hh = '0', mm = '0'] = d.time.split(':');
  return `${Number(mm)} ${Number(hh)} * * ${WEEKDAYS.indexOf(d.day)}`;
}

/** The latest slot at or before `now`, if it is still within the grace period; else null. */
export function dueSlot(d: DigestSchedule, now: Date, graceMs = LATE_GRACE_MS): Date | null {
  const slot = lastFiring(digestCron(d), now, d.timezone);
  return slot && now.getTime() - slot.getTime() <= graceMs ? slot : null;
}

/** The first slot strictly after `now`. */
export function nextSlot(d: DigestSchedule, now: Date): Date {
  return CronExpressionParser.parse(digestCron(d), { tz: d.timezone, currentDate: now }).next().toDate();
}

/**
 * The week a slot reviews: from the slot before it to the slot itself. Taken from the cron rather
 * than "minus 7 × 24 h" so that a week crossing a DST change is still Monday 09:00 to Monday 09:00.
 */
export function slotWindow(d: DigestSchedule, slot: Date): { from: Date; to: Date } {
  const previous = CronExpressionParser.parse(digestCron(d), { tz: d.timezone, currentDate: slot }).prev().toDate();
  return { from: previous, to: slot };
}
