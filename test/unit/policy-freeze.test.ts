import { describe, expect, it } from 'vitest';
import { activeFreeze } from '../../src/policy/freeze.ts';
import { Policy } from '../../src/policy/schema.ts';

// Only the freezes vary; the rest is the smallest policy the schema accepts.
const policyWith = (freezes: unknown[], admins = ['U0ADM']) =>
  Policy.parse({
    environments: { prod: { channel: 'C0PROD' } },
    approvers: {},
    admins,
    requirements: {},
    actions: {},
    rules: [],
    freezes,
    time_limits: { approval: '30m', execution: '15m' },
  });

const t = (text: string) => new Date(text);
const ms = (text: string, delta: number) => new Date(Date.parse(text) + delta);

describe('activeFreeze: window boundaries', () => {
  // Friday 18:00 UTC for 62h: until Monday 08:00 UTC.
  const policy = policyWith([{ name: 'weekend', cron: '0 18 * * FRI', for: '62h', environments: ['prod'], reason: 'weekend' }]);
  const open = { name: 'weekend', from: t('2026-11-20T18:00:00.000Z'), until: t('2026-11-23T08:00:00.000Z'), reason: 'weekend' };

  it('is open exactly at the opening', () => {
    expect(activeFreeze(policy, 'prod', t('2026-11-20T18:00:00.000Z'))).toEqual(open);
  });

  it('is closed one millisecond before the opening', () => {
    expect(activeFreeze(policy, 'prod', ms('2026-11-20T18:00:00.000Z', -1))).toBeNull();
  });

  it('is open one millisecond before the end and closed exactly at the end', () => {
    expect(activeFreeze(policy, 'prod', ms('2026-11-23T08:00:00.000Z', -1))).toEqual(open);
    expect(activeFreeze(policy, 'prod', t('2026-11-23T08:00:00.000Z'))).toBeNull();
  });

  it('applies only to the environments it names', () => {
    expect(activeFreeze(policy, 'staging', t('2026-11-21T12:00:00.000Z'))).toBeNull();
  });

  it('reports a missing reason as null', () => {
    const quiet = policyWith([{ name: 'quiet', cron: '0 0 * * *', for: '1h', environments: ['prod'] }]);
    expect(activeFreeze(quiet, 'prod', t('2026-11-18T00:30:00.000Z'))).toEqual({
      name: 'quiet',
      from: t('2026-11-18T00:00:00.000Z'),
      until: t('2026-11-18T01:00:00.000Z'),
      reason: null,
    });
  });
});

describe('activeFreeze: time zones', () => {
  // Friday 18:00 in Berlin is 17:00 UTC in winter (CET) and 16:00 UTC in summer (CEST).
  const berlin = policyWith([{ name: 'weekend', cron: '0 18 * * FRI', for: '2h', timezone: 'Europe/Berlin', environments: ['prod'] }]);
  const utc = policyWith([{ name: 'weekend', cron: '0 18 * * FRI', for: '2h', environments: ['prod'] }]);

  it('reads the cron in the freeze time zone', () => {
    expect(activeFreeze(berlin, 'prod', t('2026-11-20T17:00:00.000Z'))?.from).toEqual(t('2026-11-20T17:00:00.000Z'));
    expect(activeFreeze(utc, 'prod', t('2026-11-20T17:00:00.000Z'))).toBeNull();
    expect(activeFreeze(berlin, 'prod', ms('2026-11-20T17:00:00.000Z', -1))).toBeNull();
  });

  it('follows daylight saving time', () => {
    expect(activeFreeze(berlin, 'prod', t('2026-07-17T16:00:00.000Z'))?.until).toEqual(t('2026-07-17T18:00:00.000Z'));
    expect(activeFreeze(berlin, 'prod', t('2026-07-17T18:00:00.000Z'))).toBeNull();
    // The UTC freeze opens at 18:00 UTC, when the Berlin one has just closed.
    expect(activeFreeze(utc, 'prod', t('2026-07-17T18:00:00.000Z'))?.from).toEqual(t('2026-07-17T18:00:00.000Z'));
  });
});

describe('activeFreeze: long windows and several freezes', () => {
  it('stays open when the window is longer than the cron period', () => {
    // Every hour for 90 minutes: the windows overlap, so there is never a gap.
    const policy = policyWith([{ name: 'rolling', cron: '0 * * * *', for: '90m', environments: ['prod'] }]);
    for (const now of ['2026-11-18T10:00:00.000Z', '2026-11-18T10:29:59.999Z', '2026-11-18T10:59:59.999Z']) {
      const found = activeFreeze(policy, 'prod', t(now));
      expect(found).toEqual({ name: 'rolling', from: t('2026-11-18T10:00:00.000Z'), until: t('2026-11-18T11:30:00.000Z'), reason: null });
    }
  });

  it('returns the open freeze that ends last', () => {
    const policy = policyWith([
      { name: 'short', cron: '0 9 * * *', for: '1h', environments: ['prod'] },
      { name: 'long', cron: '0 8 * * *', for: '4h', environments: ['prod'] },
      { name: 'elsewhere', cron: '0 9 * * *', for: '10h', environments: ['staging'] },
      { name: 'closed', cron: '0 6 * * *', for: '1h', environments: ['prod'] },
    ]);
    expect(activeFreeze(policy, 'prod', t('2026-11-18T09:30:00.000Z'))?.name).toBe('long');
    expect(activeFreeze(policy, 'prod', t('2026-11-18T08:30:00.000Z'))?.name).toBe('long');
    expect(activeFreeze(policy, 'prod', t('2026-11-18T12:00:00.000Z'))).toBeNull();
    expect(activeFreeze(policy, 'staging', t('2026-11-18T12:00:00.000Z'))?.name).toBe('elsewhere');
  });

  it('keeps the first declared freeze when two end at the same time', () => {
    const policy = policyWith([
      { name: 'first', cron: '0 9 * * *', for: '2h', environments: ['prod'] },
      { name: 'second', cron: '0 10 * * *', for: '1h', environments: ['prod'] },
    ]);
    expect(activeFreeze(policy, 'prod', t('2026-11-18T10:30:00.000Z'))?.name).toBe('first');
  });

  it('is null without freezes', () => {
    expect(activeFreeze(policyWith([]), 'prod', t('2026-11-18T10:30:00.000Z'))).toBeNull();
  });
});
