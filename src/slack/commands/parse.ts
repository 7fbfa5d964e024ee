// Pure parsing of `/infra-agent …` text. Every input yields either a command or an error that
// says what was expected; unknown input is answered with usage, never silence.
import { escapeMrkdwn } from '../../../blocks/escape.ts';
import type { PauseScope } from '../../policy/decision.ts';
import { NAME_PATTERN } from '../../policy/schema.ts';

export type SlashCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'policy-reload' }
  | { kind: 'switch'; paused: boolean; scope: PauseScope; name: string | null; reason: string }
  | { kind: 'demotions' }
  | { kind: 'restore'; action: string; environment: string; reason: string };

export type ParsedCommand = { ok: true; command: SlashCommand } | { ok: false; error: string };

// Escaped once here: in Slack mrkdwn a bare `<name>` would be read as a link or mention.
export const USAGE = escapeMrkdwn([
  '*/infra-agent* — what this bot can do here:',
  '• `help` — this message',
  '• `status` — the kill switch and the policy in force',
  '• `pause all|auto|env <name>|action <name> <reason>` — stop executions (admins); `auto` only stops autonomous runs',
  '• `resume all|auto|env <name>|action <name> [reason]` — undo a pause (admins)',
  '• `policy reload` — load the policy files again; the old policy stays if the new one has errors (admins)',
  '• `demotions` — actions whose autonomy the circuit breakers demoted, where and why',
  '• `restore <action> <env> <reason>` — lift a demotion (admins)',
  'Proposals arrive as cards in the environment channel; approve or reject them there.',
].join('\n'));

// Slack sends at most 4,000 characters of command text; reasons are stored and shown, so cap them.
const MAX_REASON = 500;
const MAX_NAME = 200;

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

export function parseCommand(text: string): ParsedCommand {
  const [sub = '', ...words] = text.trim().split(/\s+/).filter((w) => w !== '');
  switch (sub.toLowerCase()) {
    case '':
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'status':
      return { ok: true, command: { kind: 'status' } };
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
      if (words[0] === 'reload' && words.length === 1) return { ok: true, command: { kind: 'policy-reload' } };
      return { ok: false, error: '`policy` takes `reload`' };
    default:
      return { ok: false, error: `unknown subcommand \`${sub.slice(0, 40)}\`` };
  }
}
