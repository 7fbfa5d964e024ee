import { describe, expect, it } from 'vitest';
import { matchOption } from '../../src/diagnosis/match-alternative.ts';
import { threadReply } from '../../src/slack/listeners/thread-payload.ts';
import { parseThreadIntent, type ThreadIntent } from '../../src/slack/thread-intents.ts';

const BOT = 'U0BOT0001';
const kind = (text: string): ThreadIntent['kind'] => parseThreadIntent(text, { botUserId: BOT }).kind;

describe('parseThreadIntent', () => {
  it.each([
    ['why?', 'why'], ['Why this?', 'why'], ['why', 'why'], ['so, why this one?', 'why'], ['WHY scale it?', 'why'],
    ['explain', 'why'], ["what's the reasoning?", 'why'], [`<@${BOT}> why?`, 'why'],
    ["what's the rollback plan?", 'rollback'], ['rollback?', 'rollback'], ['roll back?', 'rollback'], ['how do we undo this?', 'rollback'],
    ['what happened last time?', 'history'], ['history?', 'history'], ['has this happened before?', 'history'], ['previous incidents?', 'history'],
    ['who can approve?', 'approvers'], ['Who approves this?', 'approvers'], ['approvers?', 'approvers'], ['who can approve the rollback?', 'approvers'],
    ['show the signals', 'signals'], ['signals', 'signals'], ['what metrics did you look at?', 'signals'],
    ['help', 'help'], ['what is the weather like?', 'help'], ['?', 'help'], [`<@${BOT}> tell me a joke`, 'help'], [`<@${BOT}>`, 'help'],
  ] as const)('%s → %s', (text, expected) => {
    expect(kind(text)).toBe(expected);
  });

  it.each([
    ['why not replace-unhealthy-instance?', 'replace-unhealthy-instance'],
    ['Why not just do nothing?', 'do nothing'],
    ['why didn’t you replace the instance instead?', 'replace the instance'],
    ['but why not use `escalate`?', 'escalate'],
    ['why not?', ''],
    ['why wouldn\'t we just wait', 'wait'],
  ])('%s → why not %j', (text, option) => {
    expect(parseThreadIntent(text, { botUserId: BOT })).toEqual({ kind: 'why-not', option });
  });

  it('leaves people talking to each other alone', () => {
    for (const text of ['on it', 'looking at the dashboards now', 'ack', '', '   ', `<@U0ALICE01> why did this page you?`, `<@U0ALICE01> rollback?`]) {
      expect(kind(text)).toBe('chatter');
    }
  });

  it('answers a question addressed to the bot even among other mentions', () => {
    expect(kind(`<@U0ALICE01> <@${BOT}> why?`)).toBe('why');
  });

  it('does not parse a wall of text, unless it is addressed to the bot (then: what it can answer)', () => {
    const wall = `why ${'x'.repeat(600)}?`;
    expect(kind(wall)).toBe('chatter');
    expect(kind(`<@${BOT}> ${wall}`)).toBe('help');
  });

  it('treats hostile text as plain words', () => {
    expect(parseThreadIntent('why not <!channel> <https://evil|click>?', { botUserId: BOT })).toEqual({ kind: 'why-not', option: '<!channel> <https://evil|click>' });
  });
});

describe('matchOption', () => {
  const options = [
    { name: 'replace-unhealthy-instance', summary: 'Replace one instance' },
    { name: 'do-nothing', summary: 'Wait and watch' },
    { name: 'escalate', summary: 'Page a human instead' },
  ];
  const at = (asked: string) => {
    const m = matchOption(options, asked);
    return m.kind === 'match' ? options[m.index]!.name : null;
  };

  it.each([
    ['replace-unhealthy-instance', 'replace-unhealthy-instance'], ['replace unhealthy instance', 'replace-unhealthy-instance'],
    ['replace the instance', 'replace-unhealthy-instance'], ['replacing', 'replace-unhealthy-instance'], ['replace-unhealty-instnace', 'replace-unhealthy-instance'],
    ['do nothing', 'do-nothing'], ['nothing', 'do-nothing'], ['donothing', 'do-nothing'], ['wait', 'do-nothing'], ['wait and see', 'do-nothing'],
    ['escalate', 'escalate'], ['escalating', 'escalate'], ['escalte', 'escalate'], ['page someone', 'escalate'],
  ])('%j → %s', (asked, expected) => {
    expect(at(asked)).toBe(expected);
  });

  it('says exact only for the very name', () => {
    expect(matchOption(options, 'Do-Nothing')).toEqual({ kind: 'match', index: 1, exact: true });
    expect(matchOption(options, 'nothing')).toMatchObject({ kind: 'match', index: 1, exact: false });
  });

  it.each(['restart the database', 'scale-asg', 'a', '', 'reboot', '<!channel>'])('%j matches nothing', (asked) => {
    expect(at(asked)).toBeNull();
  });

  it('claims nothing when two options fit equally well', () => {
    expect(matchOption([{ name: 'scale-asg-up', summary: '' }, { name: 'scale-asg-down', summary: '' }], 'scale asg')).toEqual({ kind: 'none' });
  });

  it('stays fast on long input', () => {
    const started = Date.now();
    matchOption(options, 'x'.repeat(10_000));
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('threadReply', () => {
  const body = { event_id: 'Ev0001' };
  const base = { type: 'message', channel: 'C0PROD0001', user: 'U0AAA0001', text: 'why?', ts: '1700000001.000200', thread_ts: '1700000000.000100' };

  it('takes a person’s reply in a thread', () => {
    expect(threadReply(base, body)).toEqual({ channel: 'C0PROD0001', threadTs: '1700000000.000100', user: 'U0AAA0001', text: 'why?', eventId: 'Ev0001' });
    expect(threadReply(base, {})).toMatchObject({ eventId: null });
  });

  it.each([
    ['a bot post (our own answers too)', { ...base, bot_id: 'B0BOT' }],
    ['an edit', { ...base, subtype: 'message_changed' }],
    ['a channel join', { ...base, subtype: 'channel_join' }],
    ['a top-level message', { ...base, thread_ts: undefined }],
    ['a thread parent', { ...base, thread_ts: base.ts }],
    ['no user', { ...base, user: undefined }],
    ['not an object', 'message'],
  ])('ignores %s', (_what, event) => {
    expect(threadReply(event, body)).toBeNull();
  });
});
