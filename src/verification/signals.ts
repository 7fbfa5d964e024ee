// The signals a policy's `verify.signal` may name, and how each is read after a change. A closed
// list, like executors: a name the bot cannot read is refused (at start, and again by the job as
// an `unavailable` verdict that names the known ones), never guessed at or read as "fine".
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { cpuQuery, getAsgCpu, CPU_PERIOD_SECONDS, type CpuStatistic } from '../diagnosis/collectors/cloudwatch.ts';
import type { Policy } from '../policy/schema.ts';

type VerifySignal =
  | { kind: 'cpu'; label: string; unit: string; stat: CpuStatistic }
  | { kind: 'alerts'; label: string; unit: string };

/**
 * `cpu-avg`: mean of the group's per-minute Average CPUUtilization over the window;
 * `cpu-max`: the highest per-minute Maximum over it. The ids are the diagnosis's signal ids, so
 * the frozen evidence holds their "before" values. Both read an Auto Scaling group's CPU.
 * `alerts-firing`: how many of the incident's alerts still fire — for actions whose target is no
 * group (a runbook restarting a service): `below: 1` passes once the alert has resolved.
 */
const SIGNALS: Record<string, VerifySignal> = {
  'cpu-avg': { kind: 'cpu', label: 'CPU average', unit: '%', stat: 'Average' },
  'cpu-max': { kind: 'cpu', label: 'CPU maximum', unit: '%', stat: 'Maximum' },
  'alerts-firing': { kind: 'alerts', label: 'Alerts of the incident still firing', unit: 'alerts' },
};

export const verifySignalIds: readonly string[] = Object.keys(SIGNALS);

export function verifySignal(id: string): VerifySignal | undefined {
  return Object.hasOwn(SIGNALS, id) ? SIGNALS[id] : undefined;
}

export function unknownSignalReason(id: string): string {
  return `verify.signal '${id}' is not a signal the bot can read (known signals: ${verifySignalIds.join(', ')})`;
}

/** Every action whose `verify.signal` names no known signal, as one message each (empty: all known). */
export function unknownVerifySignals(policy: Pick<Policy, 'actions'>): string[] {
  return Object.entries(policy.actions)
    .filter(([, a]) => !verifySignal(a.verify.signal))
    .map(([name, a]) => `action '${name}': ${unknownSignalReason(a.verify.signal)}`);
}

/**
 * Read after a change: at least this long, so a short `verify.after` still covers whole
 * datapoints (basic monitoring publishes one per 5 minutes).
 */
export const MIN_WINDOW_MINUTES = 5;

/** The window a verification reads: the time since the change (`verify.after`), never under MIN_WINDOW_MINUTES. */
export function verificationWindowMinutes(afterMs: number): number {
  return Math.max(MIN_WINDOW_MINUTES, Math.ceil(afterMs / 60_000));
}

export type SignalReading =
  | { ok: true; value: number; query: string; window: string; datapoints: number }
  | { ok: false; error: string; query: string; window: string };

export async function readVerifySignal(
  cloudwatch: CloudWatchClient,
  id: string,
  target: string,
  opts: { now: Date; windowMinutes: number; timeoutMs: number; incidentId?: string; countFiring?: (incidentId: string) => Promise<number> },
): Promise<SignalReading> {
  const window = `${opts.windowMinutes}m`;
  const signal = verifySignal(id);
  if (!signal) return { ok: false, error: unknownSignalReason(id), query: 'none', window };
  if (signal.kind === 'alerts') {
    const query = `SELECT count(*) FROM alerts WHERE incident_id = '${opts.incidentId ?? '?'}' AND status = 'firing'`;
    if (!opts.incidentId || !opts.countFiring) return { ok: false, error: 'the incident of this proposal is not known', query, window: 'now' };
    try {
      return { ok: true, value: await opts.countFiring(opts.incidentId), query, window: 'now', datapoints: 1 };
    } catch (err) {
      return { ok: false, error: `the bot's database could not be read: ${(err as Error).message}`, query, window: 'now' };
    }
  }
  const query = cpuQuery(target, signal.stat, CPU_PERIOD_SECONDS);
  try {
    const stats = await getAsgCpu(cloudwatch, target, { now: opts.now, windowMinutes: opts.windowMinutes, abortSignal: AbortSignal.timeout(opts.timeoutMs) });
    const value = signal.stat === 'Average' ? stats.average : stats.maximum;
    if (value === null) return { ok: false, error: `no datapoints in the last ${window}`, query, window };
    return { ok: true, value, query, window, datapoints: stats.datapoints };
  } catch (err) {
    return { ok: false, error: `CloudWatch could not be read: ${(err as Error).message}`, query, window };
  }
}
