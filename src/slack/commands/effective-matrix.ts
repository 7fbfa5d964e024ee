// The requirement each whitelisted action has in each environment right now: the matrix cell,
// made stricter by the action's own requirement, the circuit breakers' demotions and an open
// freeze — the same pieces, in the same order, as the evaluator (evaluator-requirement.ts).
// Pure: policy, demotions and a clock in, cells out.
import { demotionStep } from '../../breakers/demotion.ts';
import type { Requirement } from '../../domain/proposal.ts';
import { stricter, type Demotion } from '../../policy/decision.ts';
import { requirementFor } from '../../policy/evaluator-requirement.ts';
import { activeFreeze } from '../../policy/freeze.ts';
import type { Policy } from '../../policy/schema.ts';

export interface MatrixCell {
  environment: string;
  action: string;
  blastRadius: string;
  /** Matrix cell and action requirement combined; null: the environment has no matrix row. */
  declared: Requirement | null;
  /** After demotions and freezes; null as above. */
  effective: Requirement | null;
  demotedSteps: number;
  freeze: string | null;
}

export function effectiveMatrix(policy: Policy, demotions: readonly Demotion[], now: Date, environments: readonly string[]): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const environment of environments) {
    const freeze = activeFreeze(policy, environment, now);
    for (const [action, declaredAction] of Object.entries(policy.actions)) {
      const derived = requirementFor(policy, environment, action);
      const base = { environment, action, blastRadius: declaredAction.blast_radius, freeze: freeze?.name ?? null };
      if (!derived) {
        cells.push({ ...base, declared: null, effective: null, demotedSteps: 0 });
        continue;
      }
      const demoted = demotionStep(derived.requirement, demotions, action, environment);
      const steps = demotions.filter((d) => d.action === action && (d.environment === null || d.environment === environment)).reduce((n, d) => n + d.level, 0);
      // A freeze lets only admins approve and never lets anything run alone.
      const effective = freeze ? stricter(demoted.requirement, 'one') : demoted.requirement;
      cells.push({ ...base, declared: derived.requirement, effective, demotedSteps: steps });
    }
  }
  return cells;
}
