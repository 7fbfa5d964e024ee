import type { App } from '@slack/bolt';
import { escapeMrkdwn } from '../../../blocks/escape.ts';
import type { AppContext } from '../../context.ts';
import { auditCommand } from '../commands/audit.ts';
import { parseCommand, USAGE } from '../commands/parse.ts';
import { ephemeral } from '../commands/reply.ts';
import { commandName, runCommand, type Ran } from '../commands/run.ts';

export { USAGE } from '../commands/parse.ts';

// The text as typed goes into the audit row, bounded (Slack allows 4,000 characters).
const AUDITED_TEXT = 1000;

// Thin: ack at once (Slack allows 3 s), then answer through response_url.
export function registerCommand(app: App, ctx: AppContext): void {
  app.command('/infra-agent', async ({ ack, command, respond }) => {
    await ack();
    const parsed = parseCommand(command.text);
    const name = parsed.ok ? commandName(parsed.command) : 'invalid';
    const ran: Ran = parsed.ok
      ? await runCommand(ctx, parsed.command, command.user_id, command.channel_id).catch((err: unknown) => {
          ctx.log.error({ err, command: parsed.command.kind }, 'slash command failed');
          return { reply: ephemeral(':x: That could not be done right now (the bot could not reach its database); nothing was changed. Try again shortly.'), outcome: 'error' };
        })
      : { reply: ephemeral(`${escapeMrkdwn(parsed.error)}\n${USAGE}`), outcome: 'malformed', detail: { error: parsed.error } };
    // Who ran what and how it went, read-only commands too. An audit write that fails is logged
    // and the answer still goes out: changes were audited with their own rows already.
    await auditCommand(ctx, command.user_id, name, {
      text: command.text.slice(0, AUDITED_TEXT),
      channel: command.channel_id,
      outcome: ran.outcome,
      responseType: ran.reply.response_type,
      ...(ran.detail ?? {}),
    }).catch((err: unknown) => ctx.log.error({ err, command: name }, 'slash command audit failed'));
    await respond(ran.reply);
  });
}
