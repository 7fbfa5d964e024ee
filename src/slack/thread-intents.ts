// Pure: what a reply in a proposal card's thread asks. Incident threads are where people talk to
// each other too, so only questions are answered: a recognised question, or anything ending in
// "?" or addressed to the bot (which gets the list of what it can answer). Plain chatter
// ("on it", "@alice can you look") gets no reply from the bot.

export type ThreadIntent =
  | { kind: 'why' }
  /** `option` is what the person typed (possibly empty), matched against the alternatives later. */
  | { kind: 'why-not'; option: string }
  | { kind: 'rollback' }
  | { kind: 'history' }
  | { kind: 'approvers' }
  | { kind: 'signals' }
  | { kind: 'help' }
  | { kind: 'chatter' };

// Nobody asks a bot a question this long; parsing stays cheap whatever Slack delivers (40k chars).
const MAX_QUESTION = 500;

const MENTION = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;
const OPENER = String.raw`(?:(?:so|but|and|ok|okay|hm+|then|sorry),?\s+)?`;
const WHY_NOT = new RegExp(String.raw`^${OPENER}why\s+(?:not|didn'?t\s+(?:you|we|it|the bot)|did\s+(?:you|we|it)\s+not|wouldn'?t\s+(?:you|we|it))\b\s*(.*)$`);
const WHY = new RegExp(String.raw`^${OPENER}(?:why\b|explain\b|reasoning\b|what(?:'s| is) the reason(?:ing)?\b|how did you (?:decide|conclude))`);
const APPROVERS = /\bwho\s+(?:can|may|could|should|must|will|is allowed to|needs to|has to|gets to)\s+(?:approve|sign off|decide)|\bwho\s+approves\b|\bapprov(?:er|ers|al|als)\b/;
const HISTORY = /\bhistory\b|\blast time\b|\bhappened before\b|\bbefore\s*\??$|\bprevious(?:ly)?\b|\bearlier (?:incidents?|proposals?|times?)\b|\bhas this happened\b/;
const ROLLBACK = /\broll\s*-?\s*back\b|\bundo\b|\brevert\b/;
const SIGNALS = /\bsignals?\b|\bmetrics?\b|\bevidence\b|\bdata ?points?\b|\bnumbers\b/;
const HELP = /^(?:help|usage|commands|what can (?:you|i) (?:do|ask|answer))\b/;

// Filler between "why not" and the option's name: "why not just use the replace one instead".
const FILLER = /^(?:just|simply|use|try|go with|pick|choose|run|the|an?|option|action)\s+/;
const TRAILING = /\s+(?:instead|then|here|now|first|option|action)$/;

/** Lower-case, one line, mentions gone, typographic quotes made plain, trailing punctuation cut. */
function normalize(text: string): string {
  return text
    .replace(MENTION, ' ')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d`*_~]/g, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

function optionText(rest: string): string {
  let option = rest.replace(/[?!.\s]+$/, '').trim();
  for (let before = ''; before !== option; ) {
    before = option;
    option = option.replace(FILLER, '').replace(TRAILING, '').trim();
  }
  return option;
}

/**
 * The intent of one thread reply. `botUserId` tells a question to the bot from one to a colleague:
 * a message that mentions people but not the bot is theirs to answer.
 */
export function parseThreadIntent(text: string, opts: { botUserId?: string | undefined } = {}): ThreadIntent {
  const mentioned = [...text.matchAll(MENTION)].map((m) => m[1]);
  const toBot = opts.botUserId !== undefined && mentioned.includes(opts.botUserId);
  if (mentioned.length > 0 && !toBot) return { kind: 'chatter' };
  if (text.length > MAX_QUESTION) return toBot ? { kind: 'help' } : { kind: 'chatter' };
  const q = normalize(text);
  if (q === '') return toBot ? { kind: 'help' } : { kind: 'chatter' };
  const whyNot = WHY_NOT.exec(q);
  if (whyNot) return { kind: 'why-not', option: optionText(whyNot[1] ?? '') };
  if (WHY.test(q)) return { kind: 'why' };
  if (APPROVERS.test(q)) return { kind: 'approvers' };
  if (HISTORY.test(q)) return { kind: 'history' };
  if (ROLLBACK.test(q)) return { kind: 'rollback' };
  if (SIGNALS.test(q)) return { kind: 'signals' };
  if (HELP.test(q) || q.includes('?') || toBot) return { kind: 'help' };
  return { kind: 'chatter' };
}
