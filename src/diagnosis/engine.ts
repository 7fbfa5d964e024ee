// Diagnosis engine: look up the rule, let it collect its observations through `run` (which bounds
// every collector in time and turns failures into values), then let the pure rule conclude.
// It never throws for an AWS fault — an unreadable signal is part of the diagnosis. It does throw for
// programming/config errors (unknown rule, bad setting), which must surface at once rather than as a
// vague card. Before the named rule runs, the alert's own history is checked: a flapping alert gets
// the flapping diagnosis instead, because acting on an oscillating signal oscillates the system.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NormalizedAlert } from '../domain/alert.ts';
import type { CapacityBounds } from '../domain/bounds.ts';
import type { Diagnosis, Hypothesis, RuleDiagnosis } from '../domain/diagnosis.ts';
import type { BlastRadius } from '../domain/proposal.ts';
import { FLAPPING, flapSettings, flapVerdict, readHistory, switchNote } from './flap-check.ts';
import { assessRisk } from './risk.ts';
import { diagnosisRules } from './rules/registry.ts';

export interface DiagnosisDeps {
  autoscaling: AutoScalingClient;
  cloudwatch: CloudWatchClient;
  now?: () => Date;
  /** Per collector call; default 5000. */
  collectorTimeoutMs?: number;
  /** The alert store's past (src/store/repos/alert-history.ts); absent = no flap check, nothing to read. */
  history?: AlertHistoryReader;
  /** The rules by name; default the registry. Tests pass their own. */
  rules?: Readonly<Record<string, DiagnosisRule>>;
}

/** The identity of an alert series at its source (one row per episode in the store). */
export interface AlertSeries {
  source: string;
  fingerprint: string;
}

/** One episode of a series: it fired at `startsAt` and, once resolved, ended at `endsAt`. */
export interface AlertEpisode {
  startsAt: Date;
  endsAt: Date | null;
  status: 'firing' | 'resolved';
  /** How many notifications of this episode arrived (repeats and retries). */
  timesSeen: number;
}

/** Read-only view of past alerts, declared here so the engine never imports the store. */
export interface AlertHistoryReader {
  /** Episodes that started in (since, until], oldest first; when more exist, the newest `limit`. */
  episodes(series: AlertSeries, range: { since: Date; until: Date; limit: number }): Promise<AlertEpisode[]>;
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
  /** Absent when the caller gave none; read through `run` like any other source. */
  history?: AlertHistoryReader;
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
  const rules = deps.rules ?? diagnosisRules;
  const rule = Object.hasOwn(rules, req.rule) ? rules[req.rule] : undefined;
  if (!rule) {
    throw new Error(`unknown diagnosis rule "${req.rule}" (known: ${Object.keys(rules).join(', ')})`);
  }
  const timeoutMs = deps.collectorTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctx: CollectContext = {
    autoscaling: deps.autoscaling,
    cloudwatch: deps.cloudwatch,
    now: (deps.now ?? (() => new Date()))(),
    run: (what, fn) => runCollector(what, fn, timeoutMs),
    ...(deps.history ? { history: readOnce(deps.history) } : {}),
  };
  const chosen = await chooseRule(ctx, rule, rules, req);
  const obs = await chosen.rule.collect(ctx, req);
  const d = chosen.rule.diagnose(obs, req);
  return finish(chosen.note ? { ...d, reasoning: [chosen.note, ...d.reasoning] } : d, req);
}

/**
 * The named rule, unless the alert's history shows it flapping: then the flapping rule, with a
 * sentence saying so. A failed history read changes nothing (the named rule runs as if no history
 * had been given); a policy rule opts out with `flap_check: false`.
 */
async function chooseRule(
  ctx: CollectContext,
  named: DiagnosisRule,
  rules: Readonly<Record<string, DiagnosisRule>>,
  req: DiagnoseRequest,
): Promise<{ rule: DiagnosisRule; note: string | null }> {
  const keep = { rule: named, note: null };
  if (named.name === FLAPPING) return keep;
  const s = flapSettings(req.settings); // a bad setting fails loudly, history or not
  const flapping = Object.hasOwn(rules, FLAPPING) ? rules[FLAPPING] : undefined;
  if (!s.check || !flapping) return keep;
  const history = await readHistory(ctx, req.alert, s);
  if (!history?.ok) return keep;
  const verdict = flapVerdict(history.value, req.alert, ctx.now, s);
  if (!verdict.flapping) return keep;
  return { rule: flapping, note: switchNote(req.alert.name, named.name, verdict, s) };
}

/**
 * The flap check and the flapping rule ask for the same episodes: one read serves both, so the
 * rule diagnoses exactly what the engine judged, even if an alert arrives in between.
 */
function readOnce(reader: AlertHistoryReader): AlertHistoryReader {
  const seen = new Map<string, Promise<AlertEpisode[]>>();
  return {
    episodes(series, range) {
      const key = JSON.stringify([series.source, series.fingerprint, range.since.getTime(), range.until.getTime(), range.limit]);
      let read = seen.get(key);
      if (!read) {
        read = reader.episodes(series, range);
        seen.set(key, read);
      }
      return read;
    },
  };
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
