// The explicit list of diagnosis rules; policy `diagnose:` names must be one of these keys.
import type { DiagnosisRule } from '../engine.ts';
import { capacityCeiling } from './capacity-ceiling.ts';
import { cpuSaturation } from './cpu-saturation.ts';
import { unhealthyInstance } from './unhealthy-instance.ts';
import { flapping } from './flapping.ts';
import { lowUtilisation } from './low-utilisation.ts';

export type { DiagnosisRule } from '../engine.ts';

export const diagnosisRules: Record<string, DiagnosisRule> = {
  [cpuSaturation.name]: cpuSaturation,
  [unhealthyInstance.name]: unhealthyInstance,
  [capacityCeiling.name]: capacityCeiling,
  [lowUtilisation.name]: lowUtilisation,
  [flapping.name]: flapping,
};

export const diagnosisRuleNames: readonly string[] = Object.keys(diagnosisRules);
