// One parsed `/infra-agent` subcommand → its answer, plus a word on how it went for the audit row.
import type { KnownBlock } from '@slack/types';
import { demotionsText } from '../../../blocks/demotions.ts';
import { historyBlocks } from '../../../blocks/command-history.ts';
import { escapeMrkdwn, truncate } from '../../../blocks/escape.ts';
import type { AppContext } from '../../context.ts';
import { restoreDemotion } from '../../breakers/restore.ts';
import { changeSwitch } from '../../control/kill-switch.ts';
import { reloadByAdmin } from '../../control/policy-reload.ts';
import { listActiveDemotions } from '../../store/repos/demotions.ts';
import { explainProposal } from './explain.ts';
import { recentProposals } from './history.ts';
import { USAGE, type SlashCommand } from './parse.ts';
import { policyView } from './policy-view.ts';
import { answer, ephemeral, type Reply } from './reply.ts';
import { digestNow } from './digest.ts';
import { simulate } from './simulate.ts';
import { statusAnswer } from './status.ts';

export interface Ran {
  reply: Reply;
  /** answered | refused | not-found | changed | unchanged | rejected: recorded in the audit row. */
  outcome: string;
  detail?: Record<string, unknown>;
}

const PREVIEW_NOTE: KnownBlock[] = [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'Only you can see this preview. `/infra-agent digest --post` posts it here with the outcomes chart.' }] }];

const done = (reply: Reply, outcome = 'answered', detail?: Record<string, unknown>): Ran => (detail ? { reply, outcome, detail } : { reply, outcome });

/** The audit kind suffix: `command.<name>`. */
export function commandName(cmd: SlashCommand): string {
  if (cmd.kind === 'switch') return cmd.paused ? 'pause' : 'resume';
  if (cmd.kind === 'policy-view') return 'policy';
  return cmd.kind;
}

export async function runCommand(ctx: AppContext, cmd: SlashCommand, userId: string, channelId: string): Promise<Ran> {
  switch (cmd.kind) {
    case 'help':
      return done(ephemeral(USAGE));
    case 'status':
      return done(answer(cmd.post, await statusAnswer(ctx)));
    case 'history': {
      const entries = await recentProposals(ctx, cmd.target);
      const { text, blocks } = historyBlocks(entries, cmd.target);
      return done(answer(cmd.post, text, blocks), 'answered', { shown: entries.length });
    }
    case 'explain': {
      const found = await explainProposal(ctx, cmd.proposalId);
      if (!found.found) return done(ephemeral(`No proposal has the id \`${escapeMrkdwn(cmd.proposalId)}\`; \`/infra-agent history\` lists recent ones.`), 'not-found');
      return done(answer(cmd.post, found.text, found.blocks));
    }
    case 'policy-view': {
      const view = await policyView(ctx, cmd.environment);
      if (!view.ok) return done(ephemeral(`:no_entry: ${escapeMrkdwn(view.error)}`), 'not-found');
      return done(answer(cmd.post, view.text, view.blocks));
    }
    case 'simulate': {
      const sim = await simulate(ctx, userId, cmd.alertname, cmd.labels);
      if (sim.kind === 'refused') return done(ephemeral(`:no_entry: Not done: ${escapeMrkdwn(sim.reason)}`), 'refused', { reason: sim.reason });
      if (sim.kind === 'no-card') return done(ephemeral(sim.text), 'no-card', { why: sim.why });
      return done(ephemeral(sim.text, sim.blocks), 'answered', { environment: sim.environment, action: sim.action, requirement: sim.requirement });
    }
    case 'digest': {
      const d = await digestNow(ctx, userId, channelId, cmd.post);
      if (d.kind === 'refused') return done(ephemeral(`:no_entry: Not done: ${escapeMrkdwn(d.reason)}`), 'refused', { reason: d.reason });
      if (d.kind === 'preview') return done(ephemeral(d.text, [...d.blocks, ...PREVIEW_NOTE]), 'answered');
      if (d.kind === 'failed') return done(ephemeral(`:x: The digest could not be posted in <#${d.channel}>: ${escapeMrkdwn(d.error)}. Is the bot a member of this channel? Nothing was posted.`), 'failed', { error: d.error });
      const chart = d.chartError ? ` The chart could not be uploaded (${escapeMrkdwn(d.chartError)}); the bot needs the \`files:write\` scope.` : ' The chart is in its thread.';
      return done(ephemeral(`:white_check_mark: Digest posted in <#${d.channel}>.${chart}`), 'posted', { ts: d.ts, chartError: d.chartError });
    }
    case 'switch': {
      const out = await changeSwitch(ctx, { scope: cmd.scope, name: cmd.name, paused: cmd.paused, userId, reason: cmd.reason });
      if (!out.ok) return done(ephemeral(`:no_entry: Not done: ${out.reason}`), 'refused');
      const verb = cmd.paused ? ':double_vertical_bar: paused' : ':arrow_forward: resumed';
      const note = out.changed ? '' : ` (it was already ${cmd.paused ? 'paused' : 'running'}; recorded anyway)`;
      return done({ response_type: 'in_channel', text: `<@${userId}> ${verb} ${out.label}${note}: ${escapeMrkdwn(cmd.reason)}` }, out.changed ? 'changed' : 'unchanged');
    }
    case 'policy-reload':
      return reload(ctx, userId);
    case 'demotions':
      return done(ephemeral(demotionsText(await listActiveDemotions(ctx.db))));
    case 'restore': {
      const out = await restoreDemotion(ctx, { action: cmd.action, environment: cmd.environment, userId, reason: cmd.reason });
      if (!out.ok) return done(ephemeral(`:no_entry: Not done: ${escapeMrkdwn(out.reason)}`), 'refused');
      const what = `${escapeMrkdwn(cmd.action)} in ${escapeMrkdwn(cmd.environment)}`;
      if (!out.lifted) return done(ephemeral(`Nothing to restore: ${what} is not demoted (recorded anyway).`), 'unchanged');
      return done({ response_type: 'in_channel', text: `<@${userId}> :arrow_up: restored the autonomy of ${what} (it was demoted ${out.level} step(s)): ${escapeMrkdwn(cmd.reason)}` }, 'changed');
    }
  }
}

async function reload(ctx: AppContext, userId: string): Promise<Ran> {
  const r = await reloadByAdmin(ctx, userId);
  if ('refusal' in r) return done(ephemeral(`:no_entry: Not done: ${r.refusal}`), 'refused');
  if (r.ok) {
    const change = r.changed ? '' : ' (no change)';
    return done(ephemeral(`:white_check_mark: Policy reloaded on this replica from ${r.files.length} file(s)${change}, hash \`${r.hash.slice(0, 12)}\`. Other replicas keep theirs until they reload (SIGHUP).`), r.changed ? 'changed' : 'unchanged');
  }
  // Slack caps a message at 40k characters; the full list is in the log.
  return done(ephemeral(`:x: The new policy has ${r.count} error(s); the previous policy stays in force.\n\`\`\`${truncate(escapeMrkdwn(r.errors), 3500)}\`\`\``), 'rejected');
}
