// Every subcommand leaves a row in the audit chain, read-only ones too (`command.<name>`): who
// looked at what is part of the record of how a decision was reached.
import type { AppContext } from '../../context.ts';
import { appendAudit } from '../../store/audit.ts';

export async function auditCommand(ctx: AppContext, userId: string, name: string, payload: Record<string, unknown>): Promise<void> {
  await ctx.db.transaction().execute((trx) => appendAudit(trx, { actor: `slack:${userId}`, kind: `command.${name}`, subject: `command:${name}`, payload }));
}
