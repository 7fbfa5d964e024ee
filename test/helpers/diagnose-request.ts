// A DiagnoseRequest for rule tests: a non-production environment, every action a reversible
// resource-level change, no target group; override what a test is about.
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { DiagnoseRequest } from '../../src/diagnosis/engine.ts';

export const testAlert = (over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'alertmanager', fingerprint: 'f1', status: 'firing', name: 'HighCPU', severity: 'critical',
  labels: { autoscaling_group: 'web-asg' }, annotations: {}, startsAt: new Date('2025-01-01T00:00:00Z'),
  endsAt: null, link: null, groupKey: 'g', ...over,
});

export function diagnoseRequest(over: Partial<DiagnoseRequest> = {}): DiagnoseRequest {
  return {
    rule: 'cpu-saturation',
    alert: testAlert(),
    candidates: ['scale-asg'],
    bounds: () => null,
    settings: {},
    environment: { name: 'staging', production: false },
    action: () => ({ blastRadius: 'resource', reversible: true }),
    targetGroup: () => null,
    ...over,
  };
}
