// Diagnosis engine: look up the rule, let it collect its observations through `run` (which bounds
// every collector in time and turns failures into values), then let the pure rule conclude.
// It never throws for an AWS fault — an unreadable signal is part of the diagnosis. It does throw for
// programming/config errors (unknown rule), which must surface at once rather than as a vague card.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NormalizedAlert } from '../domain/alert.ts';
import type { CapacityBounds } from '../domain/bounds.ts';
import type { Diagnosis, Hypothesis, RuleDiagnosis } from '../domain/diagnosis.ts';
import type { BlastRadius } from '../domain/proposal.ts';
import { assessRisk } from './risk.ts';
import { diagnosisRuleNames, diagnosisRules } from './rules/registry.ts';

export interface DiagnosisDeps {
  autoscaling: AutoScalingClient;
  cloudwatch: CloudWatchClient;
  now?: () => Date;
  /** Per collector call; default 5000. */
  collectorTimeoutMs?: number;
}

export interface DiagnoseRequest {
  rule: string;
  alert: NormalizedAlert;
  /** Whitelisted action names from policy, e.g. ['scale-asg']. */
  candidates: string[];
  /** From policy; null = target not whitelisted for that action. */
  bounds: (action: string, target: string) => CapacityBounds | null;
  settings: Record<string, number | string | boolean>;
  /** Where the alert belongs; production raises the risk of any change. */
  environment: { name: string; production: boolean };
  /** What policy declares about an action, for the risk assessment; null = not declared. */
  action: (name: string) => { blastRadius: BlastRadius; reversible: boolean } | null;
  /** The load balancer target group policy names for a group, so its metrics can be read; null = none named. */
  targetGroup: (asg: string) => TargetGroupRef | null;
}

/** CloudWatch dimension values of an Application Load Balancer target group (AWS/ApplicationELB). */
export interface TargetGroupRef {
  /** e.g. app/web-alb/50dc6c495c0c9188 */
  loadBalancer: string;
  /** e.g. targetgroup/web-tg/73e2d6bc24d8a067 */
  targetGroup: string;
}

/** A collector's outcome as a value: rules branch on it instead of catching. */
export type Collected<T> = { ok: true; value: T } | { ok: false; error: string };

export interface CollectContext {
  autoscaling: AutoScalingClient;
  cloudwatch: CloudWatchClient;
  /** Fixed once per diagnosis so every collector reads the same window. */
  now: Date;
  /** Runs one collector with the timeout; never rejects. */
  run<T>(what: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<Collected<T>>;
}

/**
 * One diagnosis rule. `collect` does the I/O; `diagnose` is pure so it can be tested with plain
 * objects and re-run on a frozen evidence snapshot. Method syntax keeps `DiagnosisRule<X>`
 * assignable to the registry's `DiagnosisRule` (parameters are checked bivariantly).
 */
export interface DiagnosisRule<O = unknown> {
  name: string;
  collect(ctx: CollectContext, req: DiagnoseRequest): Promise<O>;
  diagnose(obs: O, req: DiagnoseRequest): RuleDiagnosis;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Safety net for future rules: a diagnosis built on a failed read can never look near-certain. */
const MAX_CONFIDENCE_WITH_ERRORS = 0.6;

export async function runDiagnosis(deps: DiagnosisDeps, req: DiagnoseRequest): Promise<Diagnosis> {
  const rule = Object.hasOwn(diagnosisRules, req.rule) ? diagnosisRules[req.rule] : undefined;
  if (!rule) {
    throw new Error(`unknown diagnosis rule "${req.rule}" (known: ${diagnosisRuleNames.join(', ')})`);
  }
  const timeoutMs = deps.collectorTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctx: CollectContext = {
    autoscaling: deps.autoscaling,
    cloudwatch: deps.cloudwatch,
    now: (deps.now ?? (() => new Date()))(),
    run: (what, fn) => runCollector(what, fn, timeoutMs),
  };
  const obs = await rule.collect(ctx, req);
  return finish(rule.diagnose(obs, req), req);
}

/**
 * Pure: caps confidence when a signal is missing, ranks the hypotheses (the one acted on first,
 * the others by confidence, none above it) and derives the risk from the change, the action's
 * blast radius and reversibility, the environment and the confidence.
 */
export function finish(d: RuleDiagnosis, req: Pick<DiagnoseRequest, 'environment' | 'action'>): Diagnosis {
  const { otherHypotheses = [], riskFactors = [], ...rest } = d;
  const unavailable = d.signals.filter((s) => s.error !== undefined).length;
  const confidence = round2(Math.min(Math.max(d.confidence, 0), 1, unavailable ? MAX_CONFIDENCE_WITH_ERRORS : 1));
  const others: Hypothesis[] = otherHypotheses
    .map((h) => ({ statement: h.statement, confidence: round2(Math.min(Math.max(h.confidence, 0), confidence)) }))
    .sort((a, b) => b.confidence - a.confidence);
  const declared = d.candidate ? req.action(d.candidate.action) : null;
  const risk = assessRisk({
    change: d.risk,
    changeFactors: [...riskFactors, ...(unavailable ? [`${unavailable} signal${unavailable === 1 ? '' : 's'} unavailable`] : [])],
    action: d.candidate && declared ? { name: d.candidate.action, ...declared } : null,
    environment: req.environment,
    confidence,
  });
  return { ...rest, confidence, hypotheses: [{ statement: d.hypothesis, confidence }, ...others], risk: risk.level, riskFactors: risk.factors };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Races the collector against a timer. The abort signal tells the SDK to drop the request; the race
 * is what guarantees the bound even if a client ignores the signal.
 */
export async function runCollector<T>(
  what: string,
  fn: (abortSignal: AbortSignal) => Promise<T>,
  timeoutMs: number,
): Promise<Collected<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Collected<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, error: `${what}: timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const call = (async (): Promise<Collected<T>> => {
    try {
      return { ok: true, value: await fn(controller.signal) };
    } catch (err) {
      return { ok: false, error: `${what}: ${describeError(err)}` };
    }
  })();
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Network failures hide the useful part (ECONNREFUSED …) in `cause` or `code`.
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  const parts = [err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message];
  if (typeof code === 'string' && !err.message.includes(code)) parts.push(`(${code})`);
  if (cause && !err.message.includes(cause)) parts.push(`— ${cause}`);
  return parts.join(' ').slice(0, 300);
}
