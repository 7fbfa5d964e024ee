// Pure: is the pipeline alive, judged from the last heartbeat (shared by every replica)? Not ready
// when the last heartbeat failed, or when none succeeded for longer than the stall threshold. A
// process that just started gets the threshold from its own start before the first heartbeat counts.
import type { WatchdogState } from '../store/repos/watchdog.ts';

export type Readiness = { ok: true; lastOkAt: Date | null } | { ok: false; reason: string; lastOkAt: Date | null };

export function pipelineReadiness(state: WatchdogState | null, now: Date, opts: { staleMs: number; startedAt: Date }): Readiness {
  const lastOkAt = state?.lastOkAt ?? null;
  if (state?.lastError) {
    const at = state.lastRunAt ? ` at ${state.lastRunAt.toISOString()}` : '';
    return { ok: false, reason: `the last pipeline heartbeat${at} failed: ${state.lastError}`, lastOkAt };
  }
  const baseline = Math.max(lastOkAt?.getTime() ?? Number.NEGATIVE_INFINITY, opts.startedAt.getTime());
  // "Not within" rather than "older than": an unreadable time is a stall (fail closed).
  if (!(now.getTime() - baseline <= opts.staleMs)) {
    const since = lastOkAt ? `since ${lastOkAt.toISOString()}` : `since this process started at ${opts.startedAt.toISOString()}`;
    return { ok: false, reason: `no successful pipeline heartbeat ${since} (stall threshold ${Math.round(opts.staleMs / 1000)} s)`, lastOkAt };
  }
  return { ok: true, lastOkAt };
}
