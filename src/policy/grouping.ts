// Pure: which incident an alert joins. Policy decides (the matching rule's `group_by`, else
// `incidents.group_by`); without either, the source's own grouping stands. Alerts with equal values
// of the listed labels share one incident, so one card and one thread, however many arrive.
import type { NormalizedAlert } from '../domain/alert.ts';
import { matchRule } from './evaluator.ts';
import type { Policy } from './schema.ts';

export function incidentGroupKey(policy: Policy, alert: NormalizedAlert): string {
  const labels = matchRule(policy, alert)?.group_by ?? policy.incidents?.group_by;
  if (!labels) return alert.groupKey;
  // JSON keeps `a=b,c` and `a=b` + `,c` apart; a missing label is its own value, not a wildcard.
  const values = labels.map((l) => [l, l === 'alertname' ? alert.name : (Object.hasOwn(alert.labels, l) ? alert.labels[l] : null)]);
  return `policy:${JSON.stringify(values)}`;
}

export function groupByPolicy(policy: Policy, alerts: NormalizedAlert[]): NormalizedAlert[] {
  return alerts.map((a) => ({ ...a, groupKey: incidentGroupKey(policy, a) }));
}
