import { appendAudit } from '../audit.ts';
import type { Trx } from '../db.ts';

export interface ClickRecord {
  proposalId: string | null;
  userId: string;
  actionId: string;
  allowed: boolean;
  reason: string;
  retryNum: number | null;
  /** Milliseconds between the card being shown and the click, when known. */
  seenMs?: number | null;
}

/** Every click is recorded, allowed or denied, with its audit row in the same transaction. */
export async function recordClick(trx: Trx, click: ClickRecord): Promise<void> {
  await trx
    .insertInto('clicks')
    .values({
      proposal_id: click.proposalId,
      slack_user: click.userId,
      action_id: click.actionId,
      allowed: click.allowed,
      reason: click.reason,
      retry_num: click.retryNum,
      seen_ms: click.seenMs ?? null,
    })
    .execute();
  await appendAudit(trx, {
    actor: `slack:${click.userId}`,
    kind: click.allowed ? 'click.allowed' : 'click.denied',
    subject: click.proposalId ? `proposal:${click.proposalId}` : 'proposal:unknown',
    payload: { actionId: click.actionId, reason: click.reason, retryNum: click.retryNum, seenMs: click.seenMs ?? null },
  });
}
