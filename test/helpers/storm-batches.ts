// An alert storm as Alertmanager would deliver it: one alert group (HighCPU on one Auto Scaling
// group in prod, so one incident under the policy's group_by), thousands of distinct alerts (one
// per instance, each with its own fingerprint), split into webhook bodies of `batchSize`.
// Shared by test/integration/storm.test.ts and bench/storm.ts.

export interface StormOptions {
  alerts: number;
  batchSize: number;
  asg: string;
  env?: string;
  /** Distinguishes the fingerprints of two storms on one database. */
  prefix?: string;
  startsAt?: Date;
}

export function stormBatches(o: StormOptions): unknown[] {
  const env = o.env ?? 'prod';
  const startsAt = (o.startsAt ?? new Date()).toISOString();
  const prefix = o.prefix ?? 'storm';
  const groupKey = `{}:{alertname="HighCPU", autoscaling_group="${o.asg}", env="${env}"}`;
  const bodies: unknown[] = [];
  for (let from = 0; from < o.alerts; from += o.batchSize) {
    const alerts = [];
    for (let n = from; n < Math.min(o.alerts, from + o.batchSize); n++) {
      alerts.push({
        status: 'firing',
        labels: { alertname: 'HighCPU', autoscaling_group: o.asg, env, severity: 'critical', instance: `i-${n.toString(16).padStart(8, '0')}` },
        annotations: { summary: `CPU above 90% on ${o.asg}` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint: `${prefix}-${n.toString(16).padStart(8, '0')}`,
      });
    }
    bodies.push({
      version: '4', groupKey, truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent',
      groupLabels: { alertname: 'HighCPU', autoscaling_group: o.asg, env }, commonLabels: { alertname: 'HighCPU', autoscaling_group: o.asg, env, severity: 'critical' },
      commonAnnotations: {}, externalURL: 'http://alertmanager.example', alerts,
    });
  }
  return bodies;
}
