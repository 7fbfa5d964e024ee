import type { AppContext } from '../context.ts';
import { hashOf } from '../domain/canonical.ts';
import { policyLoadOptions } from '../known-kinds.ts';
import { formatPolicyErrors, loadPolicy } from '../policy/loader.ts';
import type { Policy } from '../policy/schema.ts';
import { appendAudit } from '../store/audit.ts';
import { recordClick } from '../store/repos/clicks.ts';

/** The policy's identity for audits and `status`: its content, not where its lines sit. */
export function policyHash(policy: Policy): string {
  const { origin: _lines, ...content } = policy;
  return hashOf(content);
}

// One reload at a time per process: a slow read of older files must not land after a newer one.
const chains = new WeakMap<object, Promise<unknown>>();

export type ReloadResult =
  | { ok: true; files: string[]; hash: string; changed: boolean }
  | { ok: false; errors: string; count: number };

/**
 * Swaps in the policy at the configured path only if it is valid in full; otherwise the policy
 * in force stays. Both outcomes are audited, so a review can see which policy decided what.
 * This reloads this process only: another replica keeps its copy until it is reloaded too.
 */
export function reloadPolicy(ctx: AppContext, by: string): Promise<ReloadResult> {
  const run = (chains.get(ctx.policy) ?? Promise.resolve()).catch(() => undefined).then(() => reloadNow(ctx, by));
  chains.set(ctx.policy, run);
  return run;
}

async function reloadNow(ctx: AppContext, by: string): Promise<ReloadResult> {
  const loaded = await loadPolicy(ctx.policy.path, policyLoadOptions);
  if (!loaded.ok) {
    const errors = formatPolicyErrors(loaded.errors);
    ctx.log.error({ by, path: ctx.policy.path, errors: loaded.errors.length }, `policy reload rejected; the previous policy stays in force:\n${errors}`);
    await ctx.db.transaction().execute((trx) =>
      appendAudit(trx, { actor: by, kind: 'policy.reload-rejected', subject: `policy:${ctx.policy.path}`, payload: { errors: loaded.errors.length, first: loaded.errors.slice(0, 20) } }),
    );
    return { ok: false, errors, count: loaded.errors.length };
  }
  const hash = policyHash(loaded.policy);
  const changed = hash !== policyHash(ctx.policy.current);
  await ctx.db.transaction().execute((trx) =>
    appendAudit(trx, { actor: by, kind: 'policy.reloaded', subject: `policy:${ctx.policy.path}`, payload: { files: loaded.files, hash, changed } }),
  );
  ctx.policy.current = loaded.policy;
  ctx.policy.files = loaded.files;
  ctx.log.info({ by, files: loaded.files, hash, changed }, 'policy reloaded');
  return { ok: true, files: loaded.files, hash, changed };
}

/** `/infra-agent policy reload`: admins only; a refusal is recorded like any denied click. */
export async function reloadByAdmin(ctx: AppContext, userId: string): Promise<ReloadResult | { ok: false; refusal: string }> {
  if (!ctx.policy.current.admins.includes(userId)) {
    const refusal = 'only an admin of the policy may reload it';
    await ctx.db.transaction().execute((trx) => recordClick(trx, { proposalId: null, userId, actionId: 'command.policy-reload', allowed: false, reason: refusal, retryNum: null }));
    return { ok: false, refusal };
  }
  return reloadPolicy(ctx, `slack:${userId}`);
}
