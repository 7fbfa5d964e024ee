// The verdict message in the proposal's thread: posted once, then updated in place when someone
// decides or a rollback is proposed. Slack calls happen after commit, each in its paced slot.
import { verificationMessage, type VerificationMessageInput } from '../../blocks/verification.ts';
import type { AppContext } from '../context.ts';
import { executionOf, rollbackOf } from '../rollback/repo.ts';
import { paced } from '../slack/pacer.ts';
import { getVerification, setVerificationMessage } from './repo.ts';
import { verifySignal } from './signals.ts';

interface VerdictSource {
  input: VerificationMessageInput;
  channel: string | null;
  threadTs: string | null;
  ts: string | null;
}

export async function loadVerdict(ctx: AppContext, verificationId: string): Promise<VerdictSource | undefined> {
  const v = await getVerification(ctx.db, verificationId);
  if (!v) return undefined;
  const p = await ctx.db.selectFrom('proposals').select(['id', 'action', 'target', 'environment', 'slack_channel', 'slack_ts']).where('id', '=', v.proposal_id).executeTakeFirstOrThrow();
  const execution = await executionOf(ctx.db, p.id);
  const rollback = await rollbackOf(ctx.db, p.id);
  const signal = verifySignal(v.signal);
  return {
    channel: v.slack_channel ?? p.slack_channel,
    threadTs: p.slack_ts,
    ts: v.slack_ts,
    input: {
      verificationId: v.id, proposalId: p.id, action: p.action, target: p.target, environment: p.environment,
      signal: v.signal, label: signal?.label ?? null, unit: signal?.unit ?? '', query: v.query, window: v.window,
      before: v.before_value, after: v.after_value, comparison: v.comparison, threshold: v.threshold, verdict: v.verdict, detail: v.detail, checkedAt: v.checked_at,
      decision: v.decision && v.decided_by && v.decided_at ? { kind: v.decision, by: v.decided_by, at: v.decided_at } : null,
      rollbackAvailable: execution?.rollback != null,
      rollback: rollback ?? null,
    },
  };
}

/** Posts the verdict in the thread, or updates the posted one to the current state. */
export async function postVerdict(ctx: AppContext, verificationId: string): Promise<void> {
  const src = await loadVerdict(ctx, verificationId);
  if (!src) throw new Error(`verification ${verificationId} not found`);
  const { channel, threadTs, ts } = src;
  // A proposal whose card never reached Slack has no thread to answer in; the verdict stays recorded and audited.
  if (!channel) return ctx.log.warn({ verificationId }, 'proposal has no Slack card: verdict recorded but not posted');
  const message = verificationMessage(src.input);
  if (ts) {
    await paced(ctx.db, channel, () => ctx.slack.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
    return;
  }
  const res = await paced(ctx.db, channel, () => ctx.slack.chat.postMessage({ channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }));
  if (!res.ts || !res.channel) throw new Error(`chat.postMessage returned no ts for verification ${verificationId}`);
  await setVerificationMessage(ctx.db, verificationId, res.channel, res.ts);
}
