import type { App } from '@slack/bolt';

export const USAGE = [
  '*/infra-agent* — what this bot can do here:',
  '• `help` — this message',
  'Proposals arrive as cards in the environment channel; approve or reject them there.',
].join('\n');

// First cut of the slash command: unknown input gets usage, never silence.
export function registerCommand(app: App): void {
  app.command('/infra-agent', async ({ ack, command }) => {
    const sub = command.text.trim().split(/\s+/)[0] ?? '';
    await ack({ response_type: 'ephemeral', text: sub === '' || sub === 'help' ? USAGE : `Unknown subcommand \`${sub.slice(0, 40).replace(/[`<>&]/g, '')}\`.\n${USAGE}` });
  });
}
