// The executors' own AWS client. The SDK's default (3 attempts with backoff) is fine for reads
// in a diagnosis, but an execution must not keep hammering an API that throttles or fails: at
// most EXECUTOR_MAX_ATTEMPTS calls per write, then the run ends failed with what a re-read found.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

/** One try and one retry: a brief throttle passes, a failing API ends the run at once. */
export const EXECUTOR_MAX_ATTEMPTS = 2;

const cache = new WeakMap<AutoScalingClient, AutoScalingClient>();

/** A client like `base` (same region, endpoint, credentials) but with bounded attempts; one per base. */
export function executorAutoscaling(base: AutoScalingClient): AutoScalingClient {
  const hit = cache.get(base);
  if (hit) return hit;
  const cfg = base.config;
  const client = new AutoScalingClient({
    region: cfg.region,
    credentials: cfg.credentials,
    ...(cfg.isCustomEndpoint && cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    maxAttempts: EXECUTOR_MAX_ATTEMPTS,
  });
  cache.set(base, client);
  return client;
}
