// Small constructors shared by the pure builders. Callers pass text that is already escaped and
// bounded; these only shape blocks and keep lists inside Slack's per-block limits.
import type { ContextBlock, HeaderBlock, MrkdwnElement, PlainTextElement, SectionBlock } from '@slack/types';
import { LIMITS } from './limits.ts';
import { truncate } from './escape.ts';

// verbatim: true stops Slack from auto-linking bare URLs, channel names and certain mentions in
// outside text; explicit `<@U…>` / `<!date…>` that we write ourselves still render.
export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
export const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });

export function header(blockId: string, text: string): HeaderBlock {
  return { type: 'header', block_id: blockId, text: plain(truncate(text, LIMITS.header)) };
}

export function section(blockId: string, text: string): SectionBlock {
  return { type: 'section', block_id: blockId, text: mrkdwn(truncate(text, LIMITS.text)) };
}

export function fieldsSection(blockId: string, fields: string[]): SectionBlock {
  const shown = fields.slice(0, LIMITS.fields).map((f) => mrkdwn(truncate(f, LIMITS.fieldText)));
  return { type: 'section', block_id: blockId, fields: shown };
}

export function context(blockId: string, texts: string[]): ContextBlock {
  const elements = texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(truncate(t, LIMITS.text)));
  return { type: 'context', block_id: blockId, elements };
}

export interface ListOptions {
  /** Sections this list may use at most (the card shares 50 blocks among all its parts). */
  maxBlocks: number;
  /** Shown instead of the list when it is empty. */
  empty: string;
  /** Tail when lines were left out, e.g. n => `… ${n} more steps`. */
  more: (n: number) => string;
}

// Room kept in every section for the "… N more" tail, so the tail never pushes text past 3000.
const TAIL_ROOM = 120;

/**
 * `*heading*` then one line per item, packed into as few sections as fit 3000 chars each.
 * Lines must already be escaped and individually bounded (well under 3000).
 */
export function listSections(blockId: string, heading: string, lines: string[], opts: ListOptions): SectionBlock[] {
  const budget = LIMITS.text - TAIL_ROOM;
  const chunks: string[] = [];
  let current = `*${heading}*`;
  if (lines.length === 0) return [section(`${blockId}.0`, `${current}\n${opts.empty}`)];
  let shown = 0;
  for (const line of lines) {
    const bounded = truncate(line, budget - heading.length - 10);
    if (current.length + 1 + bounded.length <= budget) {
      current = `${current}\n${bounded}`;
    } else if (chunks.length + 1 < opts.maxBlocks) {
      chunks.push(current);
      current = bounded;
    } else {
      break;
    }
    shown += 1;
  }
  if (shown < lines.length) current = `${current}\n${truncate(opts.more(lines.length - shown), TAIL_ROOM - 1)}`;
  chunks.push(current);
  return chunks.map((text, i) => section(`${blockId}.${i}`, text));
}
