import { describe, expect, it } from 'vitest';
import { policyBlocks } from '../../blocks/command-policy.ts';
import { validateBlocks } from '../../blocks/limits.ts';
import { Policy } from '../../src/policy/schema.ts';
import { effectiveMatrix } from '../../src/slack/commands/effective-matrix.ts';

const action = (blast: string, extra: Record<string, unknown> = {}) => ({
  executor: 'aws.autoscaling.set-desired-capacity', blast_radius: blast, reversible: true, approvers: ['sre'],
  targets: [{ asg: 'web-*', min: 2, max: 20, max_step: 6 }], rollback: 'restore', verify: { after: '10m', signal: 'cpu-avg', below: 70 }, ...extra,
});
const policy = Policy.parse({
  environments: { dev: { channel: 'C0DEV' }, prod: { channel: 'C0PROD', production: true }, lab: { channel: 'C0LAB' } },
  approvers: { sre: { users: ['U0AAA'] } },
  admins: ['U0ADM'],
  requirements: { dev: { resource: 'auto', service: 'auto', environment: 'one', global: 'advisory' }, prod: { resource: 'auto', service: 'two', environment: 'advisory', global: 'advisory' } },
  actions: { 'scale-asg': action('resource'), restart: action('service', { requirement: 'two' }) },
  rules: [],
  freezes: [{ name: 'weekend', cron: '0 18 * * FRI', for: '62h', environments: ['prod'] }],
  time_limits: { approval: '30m', execution: '15m' },
});
const WEEKDAY = new Date('2026-11-18T12:00:00Z');
const SATURDAY = new Date('2026-11-21T12:00:00Z');
const cell = (cells: ReturnType<typeof effectiveMatrix>, env: string, a: string) => cells.find((c) => c.environment === env && c.action === a);

describe('effectiveMatrix', () => {
  it('is the matrix cell made stricter by the action requirement, and null without a row', () => {
    const cells = effectiveMatrix(policy, [], WEEKDAY, ['dev', 'prod', 'lab']);
    expect(cell(cells, 'dev', 'scale-asg')).toMatchObject({ declared: 'auto', effective: 'auto', demotedSteps: 0, freeze: null });
    expect(cell(cells, 'dev', 'restart')).toMatchObject({ declared: 'two', effective: 'two' });
    expect(cell(cells, 'lab', 'scale-asg')).toMatchObject({ declared: null, effective: null });
  });

  it('applies demotions only where they are, step by step, never past advisory', () => {
    const demotions = [{ action: 'scale-asg', environment: 'prod', level: 2, reasons: [] }, { action: 'restart', environment: 'prod', level: 3, reasons: [] }];
    const cells = effectiveMatrix(policy, demotions, WEEKDAY, ['dev', 'prod']);
    expect(cell(cells, 'prod', 'scale-asg')).toMatchObject({ declared: 'auto', effective: 'two', demotedSteps: 2 });
    expect(cell(cells, 'prod', 'restart')).toMatchObject({ declared: 'two', effective: 'advisory', demotedSteps: 3 });
    expect(cell(cells, 'dev', 'scale-asg')).toMatchObject({ effective: 'auto', demotedSteps: 0 });
  });

  it('an open freeze makes auto at least one, in its environments only', () => {
    const cells = effectiveMatrix(policy, [], SATURDAY, ['dev', 'prod']);
    expect(cell(cells, 'prod', 'scale-asg')).toMatchObject({ declared: 'auto', effective: 'one', freeze: 'weekend' });
    expect(cell(cells, 'dev', 'scale-asg')).toMatchObject({ effective: 'auto', freeze: null });
  });

  it('renders as valid blocks that say why a cell changed', () => {
    const cells = effectiveMatrix(policy, [{ action: 'scale-asg', environment: 'prod', level: 1, reasons: [] }], SATURDAY, ['dev', 'prod', 'lab']);
    const out = policyBlocks({ environments: Object.entries(policy.environments), cells, actions: Object.entries(policy.actions), hash: 'abcdef0123456789' });
    expect(validateBlocks(out.blocks)).toEqual([]);
    const text = JSON.stringify(out.blocks);
    expect(text).toContain('~auto~ → *one* — demoted 1 step(s) by the circuit breakers; freeze `weekend` open: admins only');
    expect(text).toContain('no requirement row for this environment');
  });
});
