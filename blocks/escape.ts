// Text hygiene for anything that reaches Slack from outside (alert labels, annotations, collector
// errors, executor output). Slack's mrkdwn only needs three characters escaped; escaping them turns
// `<!channel>`, `<@U…>` and `<https://evil|click>` into inert text.

const ENTITY = /&(?:amp|lt|gt);/y;

export function escapeMrkdwn(untrusted: string): string {
  return untrusted.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cut `text` to at most `max` UTF-16 units, ending with '…' when cut. Safe on already-escaped
 * text: never leaves half of `&amp;`/`&lt;`/`&gt;` (Slack would show a stray `&am`), and never
 * splits a surrogate pair (a lone surrogate is invalid UTF-16 and may be rejected).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - 1;
  if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  // An entity is at most 5 units long, so only the last 4 kept positions can start one.
  for (let i = Math.max(0, cut - 4); i < cut; i++) {
    if (text[i] !== '&') continue;
    ENTITY.lastIndex = i;
    if (ENTITY.test(text) && ENTITY.lastIndex > cut) {
      cut = i;
      break;
    }
  }
  return `${text.slice(0, cut).trimEnd()}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Escape, then cut to `max` characters of the escaped form (the form Slack counts). */
export function safeText(untrusted: string, max: number): string {
  return truncate(escapeMrkdwn(untrusted), max);
}

/** Escaped, single-line, cut: for names, targets and labels that must not break the layout. */
export function safeLine(untrusted: string, max: number): string {
  return safeText(untrusted.replace(/\s+/g, ' ').trim(), max);
}

/** An inline code span of untrusted text: escaped, single-line, cut, and no backtick to close it early. */
export function safeCode(untrusted: string, max: number): string {
  return `\`${safeLine(untrusted, max).replace(/`/g, 'ʹ')}\``;
}

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,30}$/;

/**
 * `<@U…>` for a real-looking Slack user id, `<!subteam^S…>` for a user group id; anything else
 * (e.g. 'system', or a hostile string stored as decider) is shown escaped so it can never
 * become a mention or a link.
 */
export function userMention(id: string): string {
  if (USER_ID.test(id)) return `<@${id}>`;
  if (USERGROUP_ID.test(id)) return `<!subteam^${id}>`;
  return safeLine(id, 80);
}

/** Slack's localised date token with an ISO fallback for clients that cannot render it. */
export function slackDate(at: Date | string): string {
  // Rows and JSON snapshots may hand over an ISO string instead of a Date.
  const ms = (at instanceof Date ? at : new Date(at)).getTime();
  if (Number.isNaN(ms)) return 'an unknown time';
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/**
 * An outside URL as a Slack link, or null when it is not plain http(s). The label names the
 * host so a link can never pretend to go somewhere else.
 */
export function safeLink(url: string | null, label: string): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  // `|` and `>` end the URL part of `<url|label>`; WHATWG URL leaves `|` unencoded.
  const href = escapeMrkdwn(parsed.href.replace(/\|/g, '%7C'));
  if (href.length > 2000) return null;
  return `<${href}|${escapeMrkdwn(label)} (${escapeMrkdwn(parsed.host)})>`;
}
