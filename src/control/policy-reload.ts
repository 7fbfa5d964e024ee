import type { AppContext } from '../context.ts';
import { hashOf } from '../domain/canonical.ts';
import { policyLoadOptions } from '../known-kinds.ts';
import { formatPolicyErrors, loadPolicy } from '../policy/loader.ts';
import { appendAudit } from '../store/audit.ts';

export type ReloadResult =
  | { ok: true; files: string[]; hash: string; changed: boolean }
  | { ok: false; errors: string; count: number };

/**
 * Swaps in the policy at the configured path only if it is valid in full; otherwise the policy
 * in force stays. Both outcomes are audited, so a review can see which policy decided what.
 * Another replica keeps its own copy until it is reloaded too (SIGHUP each one).
 */
export async function reloadPolicy(ctx: AppContext, by: string): Promise<ReloadResult> {
  const loaded = await loadPolicy(ctx.policy.path, policyLoadOptions);
  if (!loaded.ok) {
    const errors = formatPolicyErrors(loaded.errors);
    ctx.log.error({ by, path: ctx.policy.path, errors: loaded.errors.length }, `policy reload rejected; the previous policy stays in force:\n${errors}`);
    await ctx.db.transaction().execute((trx) =>
      appendAudit(trx, { actor: by, kind: 'policy.reload-rejected', subject: `policy:${ctx.policy.path}`, payload: { errors: loaded.errors.length, first: loaded.errors.slice(0, 20) } }),
    );
    return { ok: false, errors, count: loaded.errors.length };
  }
  const hash = hashOf(loaded.policy);
  const changed = hash !== hashOf(ctx.policy.current);
  await ctx.db.transaction().execute((trx) =>
    appendAudit(trx, { actor: by, kind: 'policy.reloaded', subject: `policy:${ctx.policy.path}`, payload: { files: loaded.files, hash, changed } }),
  );
  ctx.policy.current = loaded.policy;
  ctx.policy.files = loaded.files;
  ctx.log.info({ by, files: loaded.files, hash, changed }, 'policy reloaded');
  return { ok: true, files: loaded.files, hash, changed };
}
