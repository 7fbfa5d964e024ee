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
  /** Refused before any write: preconditions or bounds failed. */
  | { status: 'refused'; preState: unknown; reason: string }
  /** The write failed or its outcome could not be confirmed. */
  | { status: 'failed'; preState: unknown; postState: unknown; reason: string };

/** One whitelisted action kind. The policy names it by `kind`; nothing else can run. */
export interface Executor<P> {
  kind: string;
  params: z.ZodType<P>;
  run(deps: ExecutorDeps, target: string, params: P, bounds: CapacityBounds, expected: Record<string, number> | undefined): Promise<ExecutorResult>;
}
