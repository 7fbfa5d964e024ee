// The explicit list of diagnosis rules; policy `diagnose:` names must be one of these keys.
import type { DiagnosisRule } from '../engine.ts';
import { cpuSaturation } from './cpu-saturation.ts';

export type { DiagnosisRule } from '../engine.ts';

export const diagnosisRules: Record<string, DiagnosisRule> = {
  [cpuSaturation.name]: cpuSaturation,
};

export const diagnosisRuleNames: readonly string[] = Object.keys(diagnosisRules);
