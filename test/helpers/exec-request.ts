// An executor request as execute.ts builds it, for tests that call an executor directly.
import type { ExecutionRequest, ExecutorDeps } from '../../src/actions/executor.ts';
import type { Action, Target } from '../../src/policy/schema.ts';

export function actionDecl(over: Partial<Action> = {}): Action {
  return {
    executor: 'aws.autoscaling.set-desired-capacity',
    blast_radius: 'resource',
    reversible: true,
    approvers: ['sre'],
    targets: [{ asg: 'web-*', min: 2, max: 20, max_step: 6 }],
    rollback: 'restore-previous-capacity',
    verify: { after: '10m', signal: 'cpu-avg', below: 70 },
    ...over,
  };
}

export function execRequest<P>(o: {
  action?: string;
  target: string;
  params: P;
  bounds?: { min: number; max: number; maxStep: number } | null;
  observed?: Record<string, number>;
  decl?: Action;
  policyTarget?: Target;
  dryRun?: boolean;
  idempotencyKey?: string;
}): ExecutionRequest<P> {
  const decl = o.decl ?? actionDecl();
  return {
    action: o.action ?? 'scale-asg',
    target: o.target,
    params: o.params,
    decl,
    policyTarget: o.policyTarget ?? decl.targets[0]!,
    bounds: o.bounds === undefined ? { min: 2, max: 20, maxStep: 6 } : o.bounds,
    observed: o.observed,
    idempotencyKey: o.idempotencyKey ?? '00000000-0000-4000-8000-000000000001',
    dryRun: o.dryRun ?? false,
  };
}

export const noSecrets: Pick<ExecutorDeps, 'secret'> = { secret: () => undefined };
