// A direct message to every admin of the policy in force, each paced in its DM's slot. Used for
// what nobody would otherwise notice: a circuit breaker tripping, the pipeline watchdog stalling.
import type { AppContext } from '../context.ts';
import { paced } from './pacer.ts';

/** Sends `text` (already escaped) to each admin; returns how many got it. One failure does not stop the rest. */
export async function notifyAdmins(ctx: Pick<AppContext, 'db' | 'slack' | 'log' | 'policy'>, text: string): Promise<number> {
  let sent = 0;
  for (const admin of [...new Set(ctx.policy.current.admins)]) {
    await paced(ctx.db, admin, () => ctx.slack.chat.postMessage({ channel: admin, text }))
      .then(() => sent++)
      .catch((err: unknown) => ctx.log.error({ err, admin }, 'could not send an admin notice by DM'));
  }
  return sent;
}
