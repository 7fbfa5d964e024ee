import type { Signal } from './signal.ts';

export type RiskLevel = 'low' | 'medium' | 'high';

/** One explanation of the alert, with how likely the rule thinks it is (0..1). */
export interface Hypothesis {
  statement: string;
  confidence: number;
}

export interface Alternative {
  /** Action kind or a short name such as `do-nothing` / `escalate`. */
  option: string;
  summary: string;
  whyNot: string;
}

/** What the rule would do, before policy has had its say. */
export interface CandidateAction {
  action: string;
  target: string;
  params: Record<string, unknown>;
  expectedEffect: string;
  /** The target's state as the diagnosis saw it (e.g. desiredCapacity): execution re-checks it. */
  observed?: Record<string, number>;
}

/** What a rule concludes, before the engine ranks hypotheses and assesses risk. */
export interface RuleDiagnosis {
  rule: string;
  /** The explanation the proposal acts on. */
  hypothesis: string;
  /** 0..1, shown to humans; never lowers an approval requirement. */
  confidence: number;
  /** Other explanations the rule weighed; the engine ranks them below the primary one. */
  otherHypotheses?: Hypothesis[];
  signals: Signal[];
  reasoning: string[];
  alternatives: Alternative[];
  /** The rule's own judgement: how big the change is, or how bad the situation when nothing is proposed. */
  risk: RiskLevel;
  /** Why the rule judged `risk` so (e.g. "step +3 on 4 instances (75%)"). */
  riskFactors?: string[];
  candidate: CandidateAction | null;
  /**
   * When no candidate is proposed, what the rule recommends instead: `escalate` (a human must
   * decide, e.g. the group is at its ceiling) or `no-action` (e.g. a flapping alert). Absent when
   * there is a candidate, or when the rule simply could not tell.
   */
  recommendation?: 'escalate' | 'no-action';
}

export interface Diagnosis extends Omit<RuleDiagnosis, 'otherHypotheses' | 'riskFactors'> {
  /** Ranked, most likely first; the first is `hypothesis` with `confidence`. Older snapshots may lack it. */
  hypotheses: Hypothesis[];
  /** Risk after blast radius, reversibility, environment and confidence (src/diagnosis/risk.ts). */
  risk: RiskLevel;
  /** Every factor that went into `risk`, in words. Older snapshots may lack it. */
  riskFactors: string[];
}
