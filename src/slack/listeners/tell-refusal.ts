import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { escapeMrkdwn } from '../../../blocks/escape.ts';

/** The refused clicker is told why, only them (ephemeral); reasons carry outside text, so escaped. */
export async function tellRefusal(args: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs, channel: string | undefined, user: string, reason: string): Promise<void> {
  if (channel) await args.client.chat.postEphemeral({ channel, user, text: `:no_entry: Not done: ${escapeMrkdwn(reason)}` });
}
