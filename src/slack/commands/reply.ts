// What a subcommand answers with, through the slash command's response_url.
import type { KnownBlock } from '@slack/types';

export interface Reply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: KnownBlock[];
}

export const ephemeral = (text: string, blocks?: KnownBlock[]): Reply => (blocks ? { response_type: 'ephemeral', text, blocks } : { response_type: 'ephemeral', text });

/** Read-only answers go to the channel only when the person asked with `--post`. */
export const answer = (post: boolean, text: string, blocks?: KnownBlock[]): Reply => ({ ...ephemeral(text, blocks), response_type: post ? 'in_channel' : 'ephemeral' });
