// Pure: how the CPU of a group's in-service instances is spread — which instances run far above
// their peers (outliers) and whether most of the group is hot (group-wide). Each instance is
// compared with the MEDIAN of the others, so one hot instance cannot lift its own yardstick and
// one idle newcomer cannot make everyone else look hot. Values are rounded to 1 decimal first, so
// every number in the reasoning is the one the verdict used.
import { r1 } from './format.ts';

export interface InstanceReading {
  id: string;
  /** Mean CPU over the window; null = no datapoints. */
  cpu: number | null;
  datapoints: number;
}

export interface PeerComparison {
  id: string;
  cpu: number;
  /** Median CPU of the other in-service instances that have a reading. */
  peersMedian: number;
  peers: number;
  /** cpu − peersMedian, in percentage points. */
  excess: number;
  /** excess > outlierDelta while the peers' median is under the CPU threshold. */
  outlier: boolean;
}

export interface CpuSpread {
  /** In-service instances with at least one datapoint. */
  withCpu: number;
  /** Of those, how many average above the CPU threshold. */
  hot: number;
  /** More than half of the instances with a reading are above the threshold. */
  groupWide: boolean;
  /** Median over every instance with a reading; null when none has one. */
  median: number | null;
  /** One per instance with a reading and at least one peer with a reading, keyed by instance id. */
  comparisons: Record<string, PeerComparison>;
  /** The outliers, largest excess first. */
  outliers: PeerComparison[];
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function cpuSpread(readings: readonly InstanceReading[], s: { thresholdCpu: number; outlierDelta: number }): CpuSpread {
  const known = readings.flatMap((r) => (r.cpu !== null && r.datapoints > 0 ? [{ id: r.id, cpu: r1(r.cpu) }] : []));
  const hot = known.filter((r) => r.cpu > s.thresholdCpu).length;
  const comparisons: Record<string, PeerComparison> = {};
  for (const r of known) {
    const pm = median(known.filter((o) => o.id !== r.id).map((o) => o.cpu));
    if (pm === null) continue;
    const peersMedian = r1(pm);
    const excess = r1(r.cpu - peersMedian);
    comparisons[r.id] = {
      id: r.id, cpu: r.cpu, peersMedian, peers: known.length - 1, excess,
      outlier: excess > s.outlierDelta && peersMedian < s.thresholdCpu,
    };
  }
  const all = median(known.map((r) => r.cpu));
  return {
    withCpu: known.length,
    hot,
    groupWide: known.length > 0 && hot * 2 > known.length,
    median: all === null ? null : r1(all),
    comparisons,
    outliers: Object.values(comparisons).filter((c) => c.outlier).sort((a, b) => b.excess - a.excess),
  };
}
