import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { z } from 'zod';
import type { CapacityBounds } from '../domain/bounds.ts';
import type { Action, Target } from '../policy/schema.ts';

export interface ExecutorDeps {
  /** A client with few attempts (see executor-clients.ts): no retry storm against a failing API. */
  autoscaling: AutoScalingClient;
  /** Upper bound for each call; the outcome is re-read when it is exceeded. */
  timeoutMs: number;
  /** Aborts every call and wait of a run (shutdown). */
  signal?: AbortSignal;
  /** The HMAC secret in the named environment variable, or undefined (config.ts reads it). */
  secret(name: string): string | undefined;
  /** How long replace-instance waits for the new instance, and how often it looks. */
  launchWaitMs?: number;
  pollMs?: number;
  now?: () => Date;
}

/** The change that undoes a run, proposed through the same whitelist as any other. */
export interface RollbackPlan {
  action: string;
  target: string;
  params: Record<string, unknown>;
}

/** Everything a run may know: nothing of it comes from alert text except what the diagnosis observed. */
export interface ExecutionRequest<P> {
  /** The policy's action name (what a rollback proposes again). */
  action: string;
  target: string;
  /** Already parsed by the executor's own schema. */
  params: P;
  /** The action as the policy in force declares it. */
  decl: Action;
  /** The first policy target whose pattern matches `target`. */
  policyTarget: Target;
  /** Capacity bounds of that target; null for service targets. */
  bounds: CapacityBounds | null;
  /** What the diagnosis saw (e.g. desiredCapacity), so a run refuses when the target changed since. */
  observed: Record<string, number> | undefined;
  /** The proposal id (a rollback's own proposal id): lets a receiving system drop a repeat. */
  idempotencyKey: string;
  /** Do everything but the write, and say what would have been done. */
  dryRun: boolean;
}

export type ExecutorResult =
  | { status: 'succeeded'; preState: unknown; postState: unknown; rollback: RollbackPlan | null; summary: string; dryRun?: boolean }
  /** Refused before any write: preconditions or bounds failed. `stale`: the target is not what the evidence saw. */
  | { status: 'refused'; preState: unknown; reason: string; stale?: boolean }
  /** The write failed or its outcome could not be confirmed. */
  | { status: 'failed'; preState: unknown; postState: unknown; reason: string };

/** Where ARNs are built for: each part is a literal value or IAM's `*`. */
export interface ArnScope {
  partition: string;
  region: string;
  account: string;
}

/**
 * The AWS permissions an executor needs, so the deployment can grant exactly these and no more
 * (`infra-agent iam-policy`). Writes are scoped to the policy's target patterns; reads (the
 * pre/post-state it re-reads) go with the diagnosis reads, which AWS only grants on `*`.
 */
export interface ExecutorIam {
  /** IAM actions of the write, e.g. `autoscaling:SetDesiredCapacity`; none for non-AWS executors. */
  writes: readonly string[];
  /** IAM actions the executor reads with. */
  reads: readonly string[];
  /** The ARN of the resources a policy target pattern names; IAM's `*` and `?` mean what ours do. */
  resourceArn(pattern: string, scope: ArnScope): string;
}

/**
 * What an executor asks of its policy declaration, checked when the policy loads: the kind of
 * target it acts on (`asg` with capacity bounds, or `service`) and whether a `runbook` is required.
 */
export interface ExecutorShape {
  targets: 'asg' | 'service';
  runbook: boolean;
}

/** One whitelisted action kind. The policy names it by `kind`; nothing else can run. */
export interface Executor<P> extends ExecutorShape {
  kind: string;
  params: z.ZodType<P>;
  iam: ExecutorIam;
  run(deps: ExecutorDeps, request: ExecutionRequest<P>): Promise<ExecutorResult>;
  /** How long one run can last at most when longer than one call's timeout (it waits). */
  runLimitMs?(deps: ExecutorDeps): number;
  /** Re-reads the target and says what it shows, for when the outcome of a run is unknown. */
  inspect(deps: ExecutorDeps, request: { target: string; decl: Action }): Promise<string>;
}

/** The signal for one call: the run's own signal, and this call's timeout. */
export function callSignal(deps: Pick<ExecutorDeps, 'timeoutMs' | 'signal'>, timeoutMs = deps.timeoutMs): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout;
}

/** An AWS SDK error as a person reads it: the service's code and message, or the abort reason. */
export function awsErrorText(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer in time (${e.message ?? e.name})`;
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
}
