// Freeze windows: recurring periods in which nothing runs without an admin's approval.
import type { ActiveFreeze } from './decision.ts';
import { lastFiring } from './cron.ts';
import { durationMs } from './schema.ts';
import type { Freeze, Policy } from './schema.ts';

/**
 * The window of `freeze` that contains `now`, or null. Only the latest firing is checked: every
 * window lasts the same `for`, so an earlier firing's window ends before the latest one's and
 * cannot be open when that one is not (this also covers windows longer than the cron period).
 */
export function openWindow(freeze: Freeze, now: Date): { from: Date; until: Date } | null {
  // A cron that has never fired (within the parser's range) opens no window; the loader
  // refuses crons it cannot parse, so this is not a way to silently drop a freeze.
  const from = lastFiring(freeze.cron, now, freeze.timezone ?? 'UTC');
  if (from === null) return null;
  const until = new Date(from.getTime() + durationMs(freeze.for));
  return from.getTime() <= now.getTime() && now.getTime() < until.getTime() ? { from, until } : null;
}

/** The open freeze of `environment` at `now`; of several, the one that ends last (first declared on a tie). */
export function activeFreeze(policy: Policy, environment: string, now: Date): ActiveFreeze | null {
  let found: ActiveFreeze | null = null;
  for (const freeze of policy.freezes) {
    if (!freeze.environments.includes(environment)) continue;
    const open = openWindow(freeze, now);
    if (open && (found === null || open.until.getTime() > found.until.getTime())) {
      found = { name: freeze.name, ...open, reason: freeze.reason ?? null };
    }
  }
  return found;
}
