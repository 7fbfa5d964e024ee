import type { App } from '@slack/bolt';
import { demotionsText } from '../../../blocks/demotions.ts';
import { statusText } from '../../../blocks/status.ts';
import { escapeMrkdwn, truncate } from '../../../blocks/escape.ts';
import type { AppContext } from '../../context.ts';
import { changeSwitch } from '../../control/kill-switch.ts';
import { policyHash, reloadByAdmin } from '../../control/policy-reload.ts';
import { restoreDemotion } from '../../breakers/restore.ts';
import { listActiveDemotions } from '../../store/repos/demotions.ts';
import { activePauses } from '../../store/repos/kill-switch.ts';
import { parseCommand, USAGE, type SlashCommand } from '../commands/parse.ts';

export { USAGE } from '../commands/parse.ts';

type Reply = { response_type: 'ephemeral' | 'in_channel'; text: string };
const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

async function run(ctx: AppContext, cmd: SlashCommand, userId: string): Promise<Reply> {
  switch (cmd.kind) {
    case 'help':
      return ephemeral(USAGE);
    case 'status': {
      const policy = ctx.policy.current;
      const summary = { files: ctx.policy.files.length, environments: Object.keys(policy.environments), actions: Object.keys(policy.actions), hash: policyHash(policy) };
      return ephemeral(statusText({ pauses: await activePauses(ctx.db, ctx.now()), demotions: await listActiveDemotions(ctx.db), policy: summary }));
    }
    case 'switch': {
      const out = await changeSwitch(ctx, { scope: cmd.scope, name: cmd.name, paused: cmd.paused, userId, reason: cmd.reason });
      if (!out.ok) return ephemeral(`:no_entry: Not done: ${out.reason}`);
      const verb = cmd.paused ? ':double_vertical_bar: paused' : ':arrow_forward: resumed';
      const note = out.changed ? '' : ` (it was already ${cmd.paused ? 'paused' : 'running'}; recorded anyway)`;
      return { response_type: 'in_channel', text: `<@${userId}> ${verb} ${out.label}${note}: ${escapeMrkdwn(cmd.reason)}` };
    }
    case 'policy-reload':
      return reload(ctx, userId);
    case 'demotions':
      return ephemeral(demotionsText(await listActiveDemotions(ctx.db)));
    case 'restore': {
      const out = await restoreDemotion(ctx, { action: cmd.action, environment: cmd.environment, userId, reason: cmd.reason });
      if (!out.ok) return ephemeral(`:no_entry: Not done: ${escapeMrkdwn(out.reason)}`);
      const what = `${escapeMrkdwn(cmd.action)} in ${escapeMrkdwn(cmd.environment)}`;
      if (!out.lifted) return ephemeral(`Nothing to restore: ${what} is not demoted (recorded anyway).`);
      return { response_type: 'in_channel', text: `<@${userId}> :arrow_up: restored the autonomy of ${what} (it was demoted ${out.level} step(s)): ${escapeMrkdwn(cmd.reason)}` };
    }
  }
}

async function reload(ctx: AppContext, userId: string): Promise<Reply> {
  const r = await reloadByAdmin(ctx, userId);
  if ('refusal' in r) return ephemeral(`:no_entry: Not done: ${r.refusal}`);
  if (r.ok) {
    const change = r.changed ? '' : ' (no change)';
    return ephemeral(`:white_check_mark: Policy reloaded on this replica from ${r.files.length} file(s)${change}, hash \`${r.hash.slice(0, 12)}\`. Other replicas keep theirs until they reload (SIGHUP).`);
  }
  // Slack caps a message at 40k characters; the full list is in the log.
  return ephemeral(`:x: The new policy has ${r.count} error(s); the previous policy stays in force.\n\`\`\`${truncate(escapeMrkdwn(r.errors), 3500)}\`\`\``);
}

// Thin: ack at once (Slack allows 3 s), then answer through response_url.
export function registerCommand(app: App, ctx: AppContext): void {
  app.command('/infra-agent', async ({ ack, command, respond }) => {
    await ack();
    const parsed = parseCommand(command.text);
    const reply = parsed.ok
      ? await run(ctx, parsed.command, command.user_id).catch((err: unknown) => {
          ctx.log.error({ err, command: parsed.command.kind }, 'slash command failed');
          return ephemeral(':x: That could not be done right now (the bot could not reach its database); nothing was changed. Try again shortly.');
        })
      : ephemeral(`${escapeMrkdwn(parsed.error)}\n${USAGE}`);
    await respond(reply);
  });
}
