import type { Signal } from './signal.ts';

export type RiskLevel = 'low' | 'medium' | 'high';

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

export interface Diagnosis {
  rule: string;
  hypothesis: string;
  /** 0..1, shown to humans; never lowers an approval requirement. */
  confidence: number;
  signals: Signal[];
  reasoning: string[];
  alternatives: Alternative[];
  risk: RiskLevel;
  candidate: CandidateAction | null;
}
