import type { AppContext } from '../context.ts';
import { checkEligibility } from '../approvals/eligibility.ts';
import type { EligibleApprovers, PauseScope } from '../policy/decision.ts';
import { ownValue } from '../policy/matchers.ts';
import type { Policy } from '../policy/schema.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { setSwitch } from '../store/repos/kill-switch.ts';

export interface SwitchRequest {
  scope: PauseScope;
  /** Environment or action name for those scopes; null otherwise. */
  name: string | null;
  paused: boolean;
  userId: string;
  reason: string;
}

export type SwitchOutcome = { ok: true; changed: boolean; label: string } | { ok: false; reason: string };

export function switchLabel(scope: PauseScope, name: string | null): string {
  if (scope === 'global') return 'everything (global)';
  if (scope === 'auto') return 'the auto tier';
  return `${scope} '${name ?? ''}'`;
}

/** Everyone named in any approver group, plus the admins (also who may run `/infra-agent simulate`). */
export function allApprovers(policy: Policy): EligibleApprovers {
  const groups = Object.values(policy.approvers);
  return {
    groups: Object.keys(policy.approvers),
    users: [...new Set([...policy.admins, ...groups.flatMap((g) => g.users ?? [])])],
    usergroups: [...new Set(groups.flatMap((g) => g.usergroups ?? []))],
  };
}

/**
 * Stopping is always safe, so anyone who may approve something may pause; resuming turns the
 * bot back on, so only admins may. A pause must name something the policy declares; a resume
 * may name anything still paused (the name may have left the policy since).
 */
async function switchRefusal(ctx: AppContext, policy: Policy, req: SwitchRequest): Promise<string | null> {
  const admins = policy.admins.join(', ') || 'none';
  if (!req.paused && !policy.admins.includes(req.userId)) return `only an admin of the policy may resume (admins: ${admins})`;
  if (req.paused && !policy.admins.includes(req.userId)) {
    const eligible = await checkEligibility(ctx.usergroups, req.userId, allApprovers(policy));
    if (!eligible.ok) return `only an approver or an admin of the policy may pause (admins: ${admins})`;
  }
  if (!req.paused) return null;
  if (req.scope === 'environment' && !ownValue(policy.environments, req.name ?? '')) {
    return `environment '${req.name}' is not declared in the policy (declared: ${Object.keys(policy.environments).join(', ')})`;
  }
  if (req.scope === 'action' && !ownValue(policy.actions, req.name ?? '')) {
    return `action '${req.name}' is not whitelisted in the policy (whitelisted: ${Object.keys(policy.actions).join(', ')})`;
  }
  return null;
}

/**
 * Pause or resume, by an admin of the policy in force. Refusals are recorded like any denied
 * click; changes are audited with who, why and when in the same transaction.
 */
export async function changeSwitch(ctx: AppContext, req: SwitchRequest): Promise<SwitchOutcome> {
  const policy = ctx.policy.current;
  const label = switchLabel(req.scope, req.name);
  const actionId = req.paused ? 'command.pause' : 'command.resume';
  const refusal = await switchRefusal(ctx, policy, req);
  return ctx.db.transaction().execute(async (trx) => {
    if (refusal) {
      await recordClick(trx, { proposalId: null, userId: req.userId, actionId, allowed: false, reason: refusal, retryNum: null });
      return { ok: false, reason: refusal };
    }
    const { changed } = await setSwitch(trx, { scope: req.scope, name: req.name, paused: req.paused, by: `slack:${req.userId}`, reason: req.reason, at: ctx.now() });
    await recordClick(trx, { proposalId: null, userId: req.userId, actionId, allowed: true, reason: `${req.paused ? 'paused' : 'resumed'} ${label}`, retryNum: null });
    ctx.log.warn({ by: req.userId, scope: req.scope, name: req.name, paused: req.paused, reason: req.reason, changed }, 'kill switch changed');
    return { ok: true, changed, label };
  });
}
