import { describe, expect, it } from 'vitest';
import { rollbackRefusal } from '../../src/rollback/create.ts';
import { expectedAfter } from '../../src/rollback/evidence.ts';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { readVerifySignal, unknownVerifySignals, verificationWindowMinutes, verifySignalIds } from '../../src/verification/signals.ts';
import { beforeValue, expectation, judge } from '../../src/verification/verdict.ts';

describe('judge', () => {
  it('passes only strictly on the declared side of the threshold', () => {
    expect(judge({ below: 70 }, 41.5)).toEqual({ verdict: 'passed', comparison: 'below', threshold: 70 });
    expect(judge({ below: 70 }, 70)).toEqual({ verdict: 'failed', comparison: 'below', threshold: 70 });
    expect(judge({ below: 70 }, 93)).toMatchObject({ verdict: 'failed' });
    expect(judge({ above: 2 }, 3)).toEqual({ verdict: 'passed', comparison: 'above', threshold: 2 });
    expect(judge({ above: 2 }, 2)).toMatchObject({ verdict: 'failed' });
  });

  it('calls an unread or non-finite signal unavailable, never passed', () => {
    expect(judge({ below: 70 }, null)).toEqual({ verdict: 'unavailable', comparison: 'below', threshold: 70 });
    expect(judge({ below: 70 }, Number.NaN).verdict).toBe('unavailable');
    expect(judge({ above: 1 }, Number.POSITIVE_INFINITY).verdict).toBe('unavailable');
  });

  it('refuses a verify that declares no side', () => {
    expect(() => expectation({})).toThrow("verify declares neither 'below' nor 'above'");
  });
});

describe('beforeValue', () => {
  it("reads the signal's value from the frozen evidence, or null when the diagnosis did not read it", () => {
    const signals = [{ id: 'cpu-max', value: 99 }, { id: 'cpu-avg', value: 93.4 }, { id: 'desired', value: null }];
    expect(beforeValue(signals, 'cpu-avg')).toBe(93.4);
    expect(beforeValue(signals, 'desired')).toBeNull();
    expect(beforeValue(signals, 'nope')).toBeNull();
    expect(beforeValue([], 'cpu-avg')).toBeNull();
  });
});

describe('verify signals', () => {
  it('knows cpu-avg, cpu-max and alerts-firing and names an unknown one with the known list', () => {
    expect(verifySignalIds).toEqual(['cpu-avg', 'cpu-max', 'alerts-firing']);
    const policy = { actions: { a: { verify: { signal: 'cpu-avg' } }, b: { verify: { signal: 'p99-latency' } } } } as never;
    expect(unknownVerifySignals(policy)).toEqual(["action 'b': verify.signal 'p99-latency' is not a signal the bot can read (known signals: cpu-avg, cpu-max, alerts-firing)"]);
  });

  it('reads the time since the change, never less than five minutes', () => {
    expect(verificationWindowMinutes(1_000)).toBe(5);
    expect(verificationWindowMinutes(10 * 60_000)).toBe(10);
    expect(verificationWindowMinutes(10 * 60_000 + 1)).toBe(11);
  });
});

describe('rollbackRefusal', () => {
  const plan = { action: 'scale-asg', target: 'web-1', params: { desiredCapacity: 2 } };
  it('allows one rollback of a succeeded execution that recorded its undo', () => {
    expect(rollbackRefusal({ state: 'succeeded' }, { status: 'succeeded', rollback: plan }, undefined)).toBeNull();
  });
  it('refuses a second rollback, naming the first', () => {
    expect(rollbackRefusal({ state: 'succeeded' }, { status: 'succeeded', rollback: plan }, { proposalId: 'p2', state: 'pending', requestedBy: 'U0AAA0001' }))
      .toBe('a rollback of this change was already requested by U0AAA0001 (proposal p2, pending); there is one rollback per execution');
  });
  it('refuses what did not run, and what recorded no undo', () => {
    expect(rollbackRefusal({ state: 'failed' }, { status: 'failed', rollback: null }, undefined)).toBe('only a change that ran successfully can be rolled back; this proposal is failed');
    expect(rollbackRefusal({ state: 'pending' }, undefined, undefined)).toMatch(/this proposal is pending/);
    expect(rollbackRefusal({ state: 'succeeded' }, { status: 'succeeded', rollback: null }, undefined)).toBe('this execution recorded no rollback: undoing it is a human task');
  });
});

describe('expectedAfter', () => {
  it('expects the desired capacity the change left behind, so a target changed since is refused as stale', () => {
    expect(expectedAfter({ action: 'scale-asg', target: 'w', params: { desiredCapacity: 2 } }, { desired: 4, min: 1, max: 10 })).toEqual({ desiredCapacity: 4 });
    expect(expectedAfter({ action: 'scale-asg', target: 'w', params: { desiredCapacity: 2 } }, null)).toBeUndefined();
    expect(expectedAfter({ action: 'restart', target: 'svc', params: {} }, { desired: 4 })).toBeUndefined();
  });
});

describe('readVerifySignal: alerts-firing', () => {
  const opts = { now: new Date('2026-01-01T00:10:00Z'), windowMinutes: 10, timeoutMs: 1000 };
  const noAws = {} as CloudWatchClient; // never called for this signal

  it('counts the incident\'s firing alerts from the database, with the query a person can run', async () => {
    const asked: string[] = [];
    const r = await readVerifySignal(noAws, 'alerts-firing', 'api-*', { ...opts, incidentId: 'inc-1', countFiring: async (id) => { asked.push(id); return 2; } });
    expect(asked).toEqual(['inc-1']);
    expect(r).toEqual({ ok: true, value: 2, query: "SELECT count(*) FROM alerts WHERE incident_id = 'inc-1' AND status = 'firing'", window: 'now', datapoints: 1 });
    expect(judge({ below: 1 }, r.ok ? r.value : null).verdict).toBe('failed');
    const resolved = await readVerifySignal(noAws, 'alerts-firing', 'api-*', { ...opts, incidentId: 'inc-1', countFiring: async () => 0 });
    expect(judge({ below: 1 }, resolved.ok ? resolved.value : null).verdict).toBe('passed');
  });

  it('is unavailable, never passed, when the database cannot be read', async () => {
    const r = await readVerifySignal(noAws, 'alerts-firing', 'api-*', { ...opts, incidentId: 'inc-1', countFiring: async () => { throw new Error('connection refused'); } });
    expect(r).toMatchObject({ ok: false, error: "the bot's database could not be read: connection refused" });
  });
});
