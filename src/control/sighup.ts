import { paced } from '../slack/pacer.ts';
import type { AppContext } from '../context.ts';
import { escapeMrkdwn, truncate } from '../../blocks/escape.ts';
import { reloadPolicy } from './policy-reload.ts';

/**
 * SIGHUP reloads the policy. A rejected policy is logged (by reloadPolicy) and sent to each
 * admin by direct message, since nobody is watching a terminal when a deploy sends the signal.
 */
export async function reloadOnSignal(ctx: AppContext): Promise<void> {
  const r = await reloadPolicy(ctx, 'signal:SIGHUP').catch((err: unknown) => {
    ctx.log.error({ err }, 'policy reload on SIGHUP failed; the previous policy stays in force');
    return null;
  });
  if (!r || r.ok) return;
  const text = `:x: Policy reload (SIGHUP) rejected: ${r.count} error(s) in \`${ctx.policy.path}\`; the previous policy stays in force.\n\`\`\`${truncate(escapeMrkdwn(r.errors), 3500)}\`\`\``;
  for (const admin of ctx.policy.current.admins) {
    await paced(ctx.db, admin, () => ctx.slack.chat.postMessage({ channel: admin, text })).catch((err: unknown) => ctx.log.error({ err, admin }, 'could not tell an admin about the rejected policy'));
  }
}
