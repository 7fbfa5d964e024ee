// `/infra-agent policy [env]`: the effective matrix now, and the whitelisted actions.
import { policyBlocks } from '../../../blocks/command-policy.ts';
import type { AppContext } from '../../context.ts';
import { policyHash } from '../../control/policy-reload.ts';
import { ownValue } from '../../policy/matchers.ts';
import { listActiveDemotions } from '../../store/repos/demotions.ts';
import { effectiveMatrix } from './effective-matrix.ts';

export type PolicyView = { ok: true; text: string; blocks: ReturnType<typeof policyBlocks>['blocks'] } | { ok: false; error: string };

export async function policyView(ctx: AppContext, environment: string | null): Promise<PolicyView> {
  const policy = ctx.policy.current;
  const declared = Object.keys(policy.environments);
  if (environment !== null && !ownValue(policy.environments, environment)) {
    return { ok: false, error: `environment '${environment}' is not declared in the policy (declared: ${declared.join(', ') || 'none'})` };
  }
  const names = environment === null ? declared : [environment];
  const cells = effectiveMatrix(policy, await listActiveDemotions(ctx.db), ctx.now(), names);
  return {
    ok: true,
    ...policyBlocks({
      environments: names.map((n) => [n, policy.environments[n]!]),
      cells,
      actions: Object.entries(policy.actions),
      hash: policyHash(policy),
    }),
  };
}
