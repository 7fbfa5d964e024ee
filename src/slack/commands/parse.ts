// Pure parsing of `/infra-agent …` text. Every input yields either a command or an error that
// says what was expected; unknown input is answered with usage, never silence.
import { escapeMrkdwn } from '../../../blocks/escape.ts';
import type { PauseScope } from '../../policy/decision.ts';
import { NAME_PATTERN } from '../../policy/schema.ts';
import { tokenize } from './tokenize.ts';

export type SlashCommand =
  | { kind: 'help' }
  | { kind: 'status'; post: boolean }
  | { kind: 'history'; target: string | null; post: boolean }
  | { kind: 'explain'; proposalId: string; post: boolean }
  | { kind: 'policy-view'; environment: string | null; post: boolean }
  | { kind: 'simulate'; alertname: string; labels: Record<string, string> }
  | { kind: 'digest'; post: boolean }
  | { kind: 'policy-reload' }
  | { kind: 'switch'; paused: boolean; scope: PauseScope; name: string | null; reason: string }
  | { kind: 'demotions' }
  | { kind: 'restore'; action: string; environment: string; reason: string };

export type ParsedCommand = { ok: true; command: SlashCommand } | { ok: false; error: string };

// Escaped once here: in Slack mrkdwn a bare `<name>` would be read as a link or mention.
export const USAGE = escapeMrkdwn([
  '*/infra-agent* — what this bot can do here:',
  '• `help` — this message',
  '• `status` — open proposals, pauses, demotions, the weekly digest and the policy in force',
  '• `pause all|auto|env <name>|action <name> <reason>` — stop executions (admins); `auto` only stops autonomous runs',
  '• `resume all|auto|env <name>|action <name> [reason]` — undo a pause (admins)',
  '• `policy reload` — load the policy files again; the old policy stays if the new one has errors (admins)',
  '• `demotions` — actions whose autonomy the circuit breakers demoted, where and why',
  '• `history [target]` — recent proposals, their outcome, who decided, with links to their threads',
  '• `explain <proposal id>` — the evidence a proposal was decided on: hypothesis, risk, requirement, trace',
  '• `policy [env]` — the effective approval matrix (demotions applied) and the whitelisted actions',
  '• `simulate <alertname> [label=value …]` — the card a synthetic alert would get; nothing is stored or run (approvers)',
  '• `digest` — the decision review of the last 7 days, now; with `--post` it goes to this channel with its chart (approvers)',
  'Add `--post` at the end of `status`, `history`, `explain`, `policy` or `digest` to answer in the channel. Quote text with spaces: `"like this"`.',
  '• `restore <action> <env> <reason>` — lift a demotion (admins)',
  'Proposals arrive as cards in the environment channel; approve or reject them there.',
].join('\n'));

// Slack sends at most 4,000 characters of command text; reasons are stored and shown, so cap them.
const MAX_REASON = 500;
const MAX_NAME = 200;
const MAX_LABELS = 30;
const MAX_LABEL_VALUE = 300;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseSwitch(paused: boolean, words: string[]): ParsedCommand {
  const verb = paused ? 'pause' : 'resume';
  const [what, ...rest] = words;
  let scope: PauseScope;
  let name: string | null = null;
  if (what === 'all' || what === 'global') scope = 'global';
  else if (what === 'auto') scope = 'auto';
  else if (what === 'env' || what === 'environment' || what === 'action') {
    scope = what === 'action' ? 'action' : 'environment';
    name = rest.shift() ?? '';
    if (!NAME_PATTERN.test(name) || name.length > MAX_NAME) return { ok: false, error: `\`${verb} ${what}\` needs the ${scope} name, e.g. \`${verb} ${what} ${scope === 'action' ? 'scale-asg' : 'prod'} …\`` };
  } else {
    return { ok: false, error: `\`${verb}\` needs what to ${verb}: \`all\`, \`auto\`, \`env <name>\` or \`action <name>\`` };
  }
  const reason = rest.join(' ').trim();
  if (paused && reason === '') return { ok: false, error: '`pause` needs a reason, so whoever resumes knows why it was stopped' };
  if (reason.length > MAX_REASON) return { ok: false, error: `the reason is ${reason.length} characters; keep it under ${MAX_REASON}` };
  return { ok: true, command: { kind: 'switch', paused, scope, name, reason: reason || '(no reason given)' } };
}

function parseRestore(words: string[]): ParsedCommand {
  const [action = '', environment = '', ...rest] = words;
  const usage = '`restore` needs the action, the environment and a reason, e.g. `restore scale-asg prod checked the scaling loop`';
  if (!NAME_PATTERN.test(action) || action.length > MAX_NAME || !NAME_PATTERN.test(environment) || environment.length > MAX_NAME) return { ok: false, error: usage };
  const reason = rest.join(' ').trim();
  if (reason === '') return { ok: false, error: usage };
  if (reason.length > MAX_REASON) return { ok: false, error: `the reason is ${reason.length} characters; keep it under ${MAX_REASON}` };
  return { ok: true, command: { kind: 'restore', action, environment, reason } };
}

function parseHistory(words: string[], post: boolean): ParsedCommand {
  if (words.length > 1) return { ok: false, error: '`history` takes at most one target, e.g. `history web-asg` (quote it if it has spaces)' };
  const target = words[0] ?? null;
  if (target !== null && (target === '' || target.length > MAX_NAME)) return { ok: false, error: `\`history\` needs a target of 1 to ${MAX_NAME} characters` };
  return { ok: true, command: { kind: 'history', target, post } };
}

function parseExplain(words: string[], post: boolean): ParsedCommand {
  const [id, ...extra] = words;
  if (id === undefined || extra.length > 0 || !UUID.test(id)) return { ok: false, error: '`explain` needs one proposal id, e.g. `explain 5f0c…-…` (see `history` for ids)' };
  return { ok: true, command: { kind: 'explain', proposalId: id.toLowerCase(), post } };
}

function parsePolicy(words: string[], post: boolean): ParsedCommand {
  if (words.length === 1 && words[0] === 'reload') {
    return post ? { ok: false, error: '`policy reload` answers only you; drop `--post`' } : { ok: true, command: { kind: 'policy-reload' } };
  }
  if (words.length === 0) return { ok: true, command: { kind: 'policy-view', environment: null, post } };
  const [env] = words;
  if (words.length === 1 && env !== undefined && NAME_PATTERN.test(env) && env.length <= MAX_NAME) return { ok: true, command: { kind: 'policy-view', environment: env, post } };
  return { ok: false, error: '`policy` takes `reload`, or an environment name to show, e.g. `policy prod`' };
}

function parseSimulate(words: string[]): ParsedCommand {
  const [alertname, ...pairs] = words;
  const usage = '`simulate` needs an alert name and optional `label=value` pairs, e.g. `simulate HighCPU env=prod asg=web-asg`';
  if (alertname === undefined || alertname === '' || alertname.length > MAX_NAME || alertname.includes('=')) return { ok: false, error: usage };
  if (pairs.length > MAX_LABELS) return { ok: false, error: `\`simulate\` takes at most ${MAX_LABELS} labels` };
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : '';
    const value = pair.slice(eq + 1);
    if (!LABEL_NAME.test(name) || name.length > MAX_NAME) return { ok: false, error: `\`${pair.slice(0, 40)}\` is not \`label=value\` (label names are letters, digits and _). ${usage}` };
    if (value.length > MAX_LABEL_VALUE) return { ok: false, error: `the value of \`${name}\` is ${value.length} characters; keep it under ${MAX_LABEL_VALUE}` };
    if (Object.hasOwn(labels, name)) return { ok: false, error: `label \`${name}\` is given twice` };
    labels[name] = value;
  }
  return { ok: true, command: { kind: 'simulate', alertname, labels } };
}

// Only the read-only answers may go to the channel; a change already announces itself there.
const POSTABLE = new Set(['status', 'history', 'explain', 'policy', 'digest']);

export function parseCommand(text: string): ParsedCommand {
  const tokens = tokenize(text);
  if (!tokens.ok) return { ok: false, error: `${tokens.error}; quote text with spaces as "like this" and close every quote` };
  const [first = '', ...words] = tokens.words;
  const sub = first.toLowerCase();
  let post = false;
  if (POSTABLE.has(sub) && words[words.length - 1] === '--post') {
    post = true;
    words.pop();
  }
  switch (sub) {
    case '':
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'status':
      if (words.length > 0) return { ok: false, error: '`status` takes no arguments (only `--post`)' };
      return { ok: true, command: { kind: 'status', post } };
    case 'history':
      return parseHistory(words, post);
    case 'explain':
      return parseExplain(words, post);
    case 'simulate':
      return parseSimulate(words);
    case 'digest':
      if (words.length > 0) return { ok: false, error: '`digest` takes no arguments (only `--post`): it covers the last 7 days' };
      return { ok: true, command: { kind: 'digest', post } };
    case 'pause':
      return parseSwitch(true, words);
    case 'resume':
      return parseSwitch(false, words);
    case 'demotions':
      if (words.length === 0) return { ok: true, command: { kind: 'demotions' } };
      return { ok: false, error: '`demotions` takes no arguments' };
    case 'restore':
      return parseRestore(words);
    case 'policy':
      return parsePolicy(words, post);
    default:
      return { ok: false, error: `unknown subcommand \`${first.slice(0, 40)}\`` };
  }
}
