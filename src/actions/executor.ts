import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { z } from 'zod';
import type { CapacityBounds } from '../domain/bounds.ts';

export interface ExecutorDeps {
  autoscaling: AutoScalingClient;
  /** Upper bound for the write call; the outcome is re-read when it is exceeded. */
  timeoutMs: number;
}

export type ExecutorResult =
  | { status: 'succeeded'; preState: unknown; postState: unknown; rollback: unknown; summary: string }
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
  /** IAM actions of the write, e.g. `autoscaling:SetDesiredCapacity`. */
  writes: readonly string[];
  /** IAM actions the executor reads with. */
  reads: readonly string[];
  /** The ARN of the resources a policy target pattern names; IAM's `*` and `?` mean what ours do. */
  resourceArn(pattern: string, scope: ArnScope): string;
}

/** One whitelisted action kind. The policy names it by `kind`; nothing else can run. */
export interface Executor<P> {
  kind: string;
  params: z.ZodType<P>;
  iam: ExecutorIam;
  run(deps: ExecutorDeps, target: string, params: P, bounds: CapacityBounds, expected: Record<string, number> | undefined): Promise<ExecutorResult>;
  /** Re-reads the target and says what it shows, for when the outcome of a run is unknown. */
  inspect(deps: ExecutorDeps, target: string): Promise<string>;
}
