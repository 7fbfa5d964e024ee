// When the weekly digest is due, from the policy's `digest` section. Pure. A slot is a local
// calendar date (its key: once per date, whatever happens to the clock that day) and the instant
// its wall time falls on. The wall time is resolved by hand rather than by a cron library because
// DST needs a decision a cron cannot make: a time the clocks skip (02:30 on a spring-forward night)
// moves to the first instant after the gap, and a time they repeat (01:30 on a fall-back night)
// is its first occurrence — so every week has exactly one slot.
import { WEEKDAYS, type Digest } from '../policy/schema-digest.ts';

/**
 * How late a slot may still be posted: a bot that was down at 09:00 on Monday posts the digest when
 * it comes back that day, but not a stale one on Thursday (the next slot is closer by then).
 */
export const LATE_GRACE_MS = 24 * 3_600_000;

const DAY_MS = 24 * 3_600_000;

export type DigestSchedule = Pick<Digest, 'day' | 'time' | 'timezone'>;

export interface Slot {
  /** The local date of the slot in the schedule's time zone, YYYY-MM-DD: the unit posted once. */
  date: string;
  at: Date;
}

interface Wall { y: number; m: number; d: number; hh: number; mm: number; ss: number }

const formats = new Map<string, Intl.DateTimeFormat>();
function wallClock(t: number, timeZone: string): Wall {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return { y: Number(parts['year']), m: Number(parts['month']), d: Number(parts['day']), hh: Number(parts['hour']), mm: Number(parts['minute']), ss: Number(parts['second']) };
}

/** Local time minus UTC at instant `t`, in ms. */
function offsetMs(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss) - (t - (((t % 1000) + 1000) % 1000));
}

/** The instant a wall time on a local date falls on (see the header for gaps and repeats). */
export function resolveWallTime(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The offsets in force half a day either side: a zone changes its offset at most once in that span.
  const before = offsetMs(asUtc - DAY_MS / 2, timeZone);
  const after = offsetMs(asUtc + DAY_MS / 2, timeZone);
  const valid = [asUtc - before, asUtc - after].filter((t) => offsetMs(t, timeZone) === asUtc - t).sort((a, b) => a - b);
  // None valid: the clocks skipped this time; read it with the offset from before the jump.
  return new Date(valid[0] ?? asUtc - before);
}

const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The local date `days` after `date` (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return isoDate(Date.UTC(y, m - 1, d + days));
}

function localDate(t: number, timeZone: string): string {
  const w = wallClock(t, timeZone);
  return isoDate(Date.UTC(w.y, w.m - 1, w.d));
}

const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

/** The slot of the schedule on a given local date. */
export function slotOn(s: DigestSchedule, date: string): Slot {
  return { date, at: resolveWallTime(date, s.time, s.timezone) };
}

/** The latest slot at or before `now`, if it is still within the grace period; else null. */
export function dueSlot(s: DigestSchedule, now: Date, graceMs = LATE_GRACE_MS): Slot | null {
  const today = localDate(now.getTime(), s.timezone);
  const day = WEEKDAYS.indexOf(s.day);
  for (let k = 0; k <= 7; k++) {
    const date = addDays(today, -k);
    if (weekday(date) !== day) continue;
    const slot = slotOn(s, date);
    if (slot.at.getTime() > now.getTime()) continue; // later today: last week's is the latest
    return now.getTime() - slot.at.getTime() <= graceMs ? slot : null;
  }
  return null;
}

/** The first slot strictly after `now`. */
export function nextSlot(s: DigestSchedule, now: Date): Slot {
  const today = localDate(now.getTime(), s.timezone);
  const day = WEEKDAYS.indexOf(s.day);
  for (let k = -1; k <= 8; k++) {
    const date = addDays(today, k);
    if (weekday(date) !== day) continue;
    const slot = slotOn(s, date);
    if (slot.at.getTime() > now.getTime()) return slot;
  }
  throw new Error('unreachable: a weekday recurs within 8 days');
}

/**
 * The week a slot reviews: from the slot a week before (same wall time, local date − 7) to the slot
 * itself, so a week crossing a DST change is still Monday 09:00 to Monday 09:00 (167 or 169 hours).
 */
export function slotWindow(s: DigestSchedule, slot: Slot): { from: Date; to: Date } {
  return { from: slotOn(s, addDays(slot.date, -7)).at, to: slot.at };
}
