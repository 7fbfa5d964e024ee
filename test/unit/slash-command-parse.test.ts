import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE } from '../../src/slack/commands/parse.ts';
import { tokenize } from '../../src/slack/commands/tokenize.ts';

describe('parseCommand', () => {
  it('reads every pause and resume scope', () => {
    expect(parseCommand('pause all db on fire')).toEqual({ ok: true, command: { kind: 'switch', paused: true, scope: 'global', name: null, reason: 'db on fire' } });
    expect(parseCommand('  pause   auto  not yet reviewed ')).toEqual({ ok: true, command: { kind: 'switch', paused: true, scope: 'auto', name: null, reason: 'not yet reviewed' } });
    expect(parseCommand('pause env prod failover')).toMatchObject({ ok: true, command: { scope: 'environment', name: 'prod', reason: 'failover' } });
    expect(parseCommand('pause action scale-asg flapping')).toMatchObject({ ok: true, command: { scope: 'action', name: 'scale-asg' } });
    expect(parseCommand('resume env prod')).toEqual({ ok: true, command: { kind: 'switch', paused: false, scope: 'environment', name: 'prod', reason: '(no reason given)' } });
  });

  it('answers help, status and policy reload', () => {
    expect(parseCommand('')).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCommand('HELP')).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCommand('status')).toEqual({ ok: true, command: { kind: 'status', post: false } });
    expect(parseCommand('policy reload')).toEqual({ ok: true, command: { kind: 'policy-reload' } });
  });

  it('says what was expected for every malformed input', () => {
    expect(parseCommand('pause all')).toEqual({ ok: false, error: '`pause` needs a reason, so whoever resumes knows why it was stopped' });
    expect(parseCommand('pause')).toEqual({ ok: false, error: '`pause` needs what to pause: `all`, `auto`, `env <name>` or `action <name>`' });
    expect(parseCommand('pause env')).toEqual({ ok: false, error: '`pause env` needs the environment name, e.g. `pause env prod …`' });
    expect(parseCommand('resume action <!here>')).toEqual({ ok: false, error: '`resume action` needs the action name, e.g. `resume action scale-asg …`' });
    expect(parseCommand(`pause all ${'x'.repeat(501)}`)).toEqual({ ok: false, error: 'the reason is 501 characters; keep it under 500' });
    expect(parseCommand('policy reload now')).toEqual({ ok: false, error: '`policy` takes `reload`, or an environment name to show, e.g. `policy prod`' });
    expect(parseCommand('frobnicate the thing')).toEqual({ ok: false, error: 'unknown subcommand `frobnicate`' });
  });
});

describe('parseCommand: demotions and restore', () => {
  it('demotions lists; restore needs action, environment and a reason', () => {
    expect(parseCommand('demotions')).toEqual({ ok: true, command: { kind: 'demotions' } });
    expect(parseCommand('demotions now').ok).toBe(false);
    expect(parseCommand('restore scale-asg prod checked the loop')).toEqual({ ok: true, command: { kind: 'restore', action: 'scale-asg', environment: 'prod', reason: 'checked the loop' } });
    for (const bad of ['restore', 'restore scale-asg', 'restore scale-asg prod', 'restore <x> prod why', 'restore scale-asg pr*d why']) {
      const r = parseCommand(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain('`restore` needs the action, the environment and a reason');
    }
    expect(parseCommand(`restore scale-asg prod ${'x'.repeat(501)}`)).toMatchObject({ ok: false });
  });
});

describe('tokenize', () => {
  it('splits on any whitespace and keeps quoted text whole, without its quotes', () => {
    expect(tokenize('  pause\tall   "db  on fire"  ')).toEqual({ ok: true, words: ['pause', 'all', 'db  on fire'] });
    expect(tokenize(`restore scale-asg prod 'checked it, "twice"'`)).toEqual({ ok: true, words: ['restore', 'scale-asg', 'prod', 'checked it, "twice"'] });
    expect(tokenize('')).toEqual({ ok: true, words: [] });
    expect(tokenize('a "" b')).toEqual({ ok: true, words: ['a', '', 'b'] });
  });

  it('reads Slack typographic quotes, label="quoted value" and adjacent parts as one word', () => {
    expect(tokenize('pause all \u201cdb on fire\u201d')).toEqual({ ok: true, words: ['pause', 'all', 'db on fire'] });
    expect(tokenize('pause all \u2018db on fire\u2019')).toEqual({ ok: true, words: ['pause', 'all', 'db on fire'] });
    expect(tokenize('simulate HighCPU summary="disk full" env=prod')).toEqual({ ok: true, words: ['simulate', 'HighCPU', 'summary=disk full', 'env=prod'] });
    expect(tokenize(`"a b"'c d'`)).toEqual({ ok: true, words: ['a bc d'] });
  });

  it('leaves apostrophes inside words alone, so ordinary English needs no quoting', () => {
    expect(tokenize("pause all don't deploy, it's broken")).toEqual({ ok: true, words: ['pause', 'all', "don't", 'deploy,', "it's", 'broken'] });
  });

  it('refuses an unbalanced quote and says where it opened', () => {
    expect(tokenize('pause all "db on fire')).toEqual({ ok: false, error: 'unbalanced quote: the " at character 11 (\"db on fire) is never closed' });
    expect(tokenize("x 'a")).toMatchObject({ ok: false });
    // A typographic opener is closed only by its partner.
    expect(tokenize('x \u201ca"')).toMatchObject({ ok: false });
  });
});

describe('parseCommand: quoting, history, explain, policy, simulate', () => {
  const ID = '0b4f8a52-3c1d-4e6f-9a7b-1c2d3e4f5a6b';

  it('keeps quoted reasons intact, spaces and inner quotes included', () => {
    expect(parseCommand('pause env prod "db  failover: don\'t touch"')).toMatchObject({ ok: true, command: { scope: 'environment', name: 'prod', reason: "db  failover: don't touch" } });
    expect(parseCommand(`pause all 'the "canary" is red'`)).toMatchObject({ ok: true, command: { reason: 'the "canary" is red' } });
    expect(parseCommand('restore scale-asg prod "checked the loop"')).toMatchObject({ ok: true, command: { kind: 'restore', reason: 'checked the loop' } });
  });

  it('answers an unbalanced quote with the problem, never a half-parsed command', () => {
    const r = parseCommand('pause all "db on fire');
    expect(r).toEqual({ ok: false, error: 'unbalanced quote: the " at character 11 ("db on fire) is never closed; quote text with spaces as "like this" and close every quote' });
  });

  it('unknown subcommands, quoted or not, get the usage error', () => {
    expect(parseCommand('"frob nicate" x')).toEqual({ ok: false, error: 'unknown subcommand `frob nicate`' });
    expect(USAGE).toContain('simulate');
  });

  it('status, history, explain, policy and digest take --post at the end; other commands do not', () => {
    expect(parseCommand('status --post')).toEqual({ ok: true, command: { kind: 'status', post: true } });
    expect(parseCommand('status now')).toEqual({ ok: false, error: '`status` takes no arguments (only `--post`)' });
    expect(parseCommand('history')).toEqual({ ok: true, command: { kind: 'history', target: null, post: false } });
    expect(parseCommand('history web-asg --post')).toEqual({ ok: true, command: { kind: 'history', target: 'web-asg', post: true } });
    expect(parseCommand('history "my service"')).toEqual({ ok: true, command: { kind: 'history', target: 'my service', post: false } });
    expect(parseCommand('history a b')).toMatchObject({ ok: false, error: expect.stringContaining('`history` takes at most one target') });
    expect(parseCommand(`explain ${ID.toUpperCase()} --post`)).toEqual({ ok: true, command: { kind: 'explain', proposalId: ID, post: true } });
    for (const bad of ['explain', 'explain 42', `explain ${ID} extra`, 'explain --post']) {
      expect(parseCommand(bad), bad).toEqual({ ok: false, error: '`explain` needs one proposal id, e.g. `explain 5f0c…-…` (see `history` for ids)' });
    }
    expect(parseCommand('policy')).toEqual({ ok: true, command: { kind: 'policy-view', environment: null, post: false } });
    expect(parseCommand('policy prod --post')).toEqual({ ok: true, command: { kind: 'policy-view', environment: 'prod', post: true } });
    expect(parseCommand('policy reload --post')).toEqual({ ok: false, error: '`policy reload` answers only you; drop `--post`' });
    expect(parseCommand('policy <!here>')).toMatchObject({ ok: false });
    expect(parseCommand('digest')).toEqual({ ok: true, command: { kind: 'digest', post: false } });
    expect(parseCommand('DIGEST --post')).toEqual({ ok: true, command: { kind: 'digest', post: true } });
    for (const bad of ['digest now', 'digest --post extra', 'digest --post --post']) {
      expect(parseCommand(bad), bad).toEqual({ ok: false, error: '`digest` takes no arguments (only `--post`): it covers the last 7 days' });
    }
    expect(USAGE).toContain('`digest`');
    // On a pause, a trailing --post is just part of the reason.
    expect(parseCommand('pause all testing --post')).toMatchObject({ ok: true, command: { reason: 'testing --post' } });
  });

  it('simulate reads the alert name and label=value pairs, quoted values included', () => {
    expect(parseCommand('simulate HighCPU env=prod autoscaling_group=web-asg summary="cpu at 99%"')).toEqual({
      ok: true,
      command: { kind: 'simulate', alertname: 'HighCPU', labels: { env: 'prod', autoscaling_group: 'web-asg', summary: 'cpu at 99%' } },
    });
    expect(parseCommand('simulate HighCPU')).toEqual({ ok: true, command: { kind: 'simulate', alertname: 'HighCPU', labels: {} } });
    expect(parseCommand('simulate HighCPU empty=')).toMatchObject({ ok: true, command: { labels: { empty: '' } } });
  });

  it('simulate refuses a missing name, a bare word, a bad label name, a repeated label', () => {
    expect(parseCommand('simulate')).toMatchObject({ ok: false, error: expect.stringContaining('`simulate` needs an alert name') });
    expect(parseCommand('simulate env=prod')).toMatchObject({ ok: false, error: expect.stringContaining('`simulate` needs an alert name') });
    expect(parseCommand('simulate HighCPU prod')).toMatchObject({ ok: false, error: expect.stringContaining('`prod` is not `label=value`') });
    expect(parseCommand('simulate HighCPU =x')).toMatchObject({ ok: false });
    expect(parseCommand('simulate HighCPU a-b=x')).toMatchObject({ ok: false });
    expect(parseCommand('simulate HighCPU env=a env=b')).toEqual({ ok: false, error: 'label `env` is given twice' });
    expect(parseCommand(`simulate HighCPU x=${'v'.repeat(301)}`)).toEqual({ ok: false, error: 'the value of `x` is 301 characters; keep it under 300' });
  });
});
