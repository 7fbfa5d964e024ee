import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/slack/commands/parse.ts';

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
    expect(parseCommand('status')).toEqual({ ok: true, command: { kind: 'status' } });
    expect(parseCommand('policy reload')).toEqual({ ok: true, command: { kind: 'policy-reload' } });
  });

  it('says what was expected for every malformed input', () => {
    expect(parseCommand('pause all')).toEqual({ ok: false, error: '`pause` needs a reason, so whoever resumes knows why it was stopped' });
    expect(parseCommand('pause')).toEqual({ ok: false, error: '`pause` needs what to pause: `all`, `auto`, `env <name>` or `action <name>`' });
    expect(parseCommand('pause env')).toEqual({ ok: false, error: '`pause env` needs the environment name, e.g. `pause env prod …`' });
    expect(parseCommand('resume action <!here>')).toEqual({ ok: false, error: '`resume action` needs the action name, e.g. `resume action scale-asg …`' });
    expect(parseCommand(`pause all ${'x'.repeat(501)}`)).toEqual({ ok: false, error: 'the reason is 501 characters; keep it under 500' });
    expect(parseCommand('policy')).toEqual({ ok: false, error: '`policy` takes `reload`' });
    expect(parseCommand('policy reload now')).toEqual({ ok: false, error: '`policy` takes `reload`' });
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
