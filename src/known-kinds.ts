import { executorKinds, executorShapes } from './actions/registry.ts';
import { diagnosisRuleNames } from './diagnosis/rules/registry.ts';

/** What a policy may name: the executors (and what each asks of its declaration) and diagnosis rules this build registers. */
export const policyLoadOptions = { knownExecutors: executorKinds, knownDiagnoses: diagnosisRuleNames, executorShapes };
