// Pure: what an active demotion does to a requirement. Each step moves it one place along
// auto → one → two → advisory; advisory stays advisory. Never looser, whatever the level says.
import type { Requirement } from '../domain/proposal.ts';
import { iso } from '../policy/citation.ts';
import { requirementOrder } from '../policy/decision.ts';
import type { Demotion } from '../policy/decision.ts';

const STEP_WORDS = ['no steps', 'one step', 'two steps', 'three steps'];

export function stepsWord(n: number): string {
  return STEP_WORDS[n] ?? `${n} steps`;
}

/** `base` made `steps` stricter. A level that is not a positive whole number demotes fully (fail closed). */
export function demoteRequirement(base: Requirement, steps: number): Requirement {
  const n = Number.isSafeInteger(steps) && steps >= 0 ? steps : requirementOrder.length;
  const index = Math.min(requirementOrder.indexOf(base) + n, requirementOrder.length - 1);
  return requirementOrder[index] ?? 'advisory';
}

/** The demotions that apply to `action` in `environment` (a null environment applies everywhere). */
export function applicableDemotions(demotions: readonly Demotion[], action: string, environment: string): Demotion[] {
  return demotions.filter((d) => d.action === action && (d.environment === null || d.environment === environment));
}

/** One line per step; a demotion whose reasons do not map one to one onto its steps says so in one line. */
function reasonLines(d: Demotion): string[] {
  if (d.reasons.length === d.level) return d.reasons.map((r) => `demoted one step on ${iso(r.at)}: ${r.reason}`);
  const last = d.reasons.at(-1);
  return [`demoted ${stepsWord(d.level)}${last ? ` on ${iso(last.at)}` : ''}: ${d.reasons.map((r) => r.reason).join('; ') || 'no reason recorded'}`];
}

export interface DemotionStep {
  requirement: Requirement;
  /** Set when the demotion alone makes the action advisory. */
  reasons: string[];
  trace: string[];
}

/** The requirement after the circuit breakers' demotions, with a trace line per step taken. */
export function demotionStep(requirement: Requirement, demotions: readonly Demotion[], action: string, environment: string): DemotionStep {
  const mine = applicableDemotions(demotions, action, environment);
  if (mine.length === 0) return { requirement, reasons: [], trace: [] };
  const level = mine.reduce((sum, d) => sum + d.level, 0);
  const demoted = demoteRequirement(requirement, level);
  const trace = mine.flatMap(reasonLines);
  const lift = `an admin lifts it with \`/infra-agent restore ${action} ${environment} <reason>\``;
  trace.push(`action '${action}' in '${environment}' is demoted ${stepsWord(level)} by its circuit breakers: '${requirement}' becomes '${demoted}' (${lift})`);
  const reasons =
    demoted === 'advisory' && requirement !== 'advisory'
      ? [`action '${action}' in '${environment}' is demoted to advisory by its circuit breakers; ${lift}`]
      : [];
  return { requirement: demoted, reasons, trace };
}
