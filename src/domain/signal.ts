// An observed fact with enough provenance that a human can re-run the query.
export type Comparison = '>' | '>=' | '<' | '<=';

export interface Signal {
  id: string;
  label: string;
  /** Where it was read: an AWS service, or the bot's own record of the alerts it received. */
  source: 'cloudwatch' | 'autoscaling' | 'alert-history';
  /** Human-readable query: namespace/metric/dimensions/statistic/period or API call. */
  query: string;
  window: string;
  value: number | null;
  unit: string;
  threshold: number | null;
  comparison: Comparison | null;
  /** null when there is no threshold or no value. */
  breached: boolean | null;
  /** Set when the collector failed: the signal is shown as unavailable, never invented. */
  error?: string;
}

export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
