// The circuit breakers' pure core: what a demotion does to a requirement (and to the evaluator's
// decision and trace), and when each breaker trips — with keys that make a re-check a no-op.
import { describe, expect, it } from 'vitest';
import { demoteRequirement, demotionStep } from '../../src/breakers/demotion.ts';
import { tripNoticeText } from '../../src/breakers/notice.ts';
import { limitTrip, recurrenceTrip, verificationTrip } from '../../src/breakers/rules.ts';
import type { Demotion } from '../../src/policy/decision.ts';
import { evaluateProposal } from '../../src/policy/evaluator.ts';
import { e2ePolicy } from '../helpers/context.ts';

const at = (iso: string) => new Date(iso);
const now = at('2026-11-21T12:00:00Z');
const demotion = (level: number, environment: string | null = 'dev', reasons = Array.from({ length: level }, (_, i) => ({ at: at(`2026-11-2${i}T10:00:00Z`), reason: `reason ${i + 1}` }))): Demotion => ({ action: 'scale-asg', environment, level, reasons });

describe('demoteRequirement', () => {
  it('moves auto → one → two → advisory and never past advisory', () => {
    expect(demoteRequirement('auto', 0)).toBe('auto');
    expect(demoteRequirement('auto', 1)).toBe('one');
    expect(demoteRequirement('auto', 2)).toBe('two');
    expect(demoteRequirement('auto', 3)).toBe('advisory');
    expect(demoteRequirement('one', 1)).toBe('two');
    expect(demoteRequirement('two', 5)).toBe('advisory');
    expect(demoteRequirement('advisory', 1)).toBe('advisory');
  });
  it('a level that is not a whole non-negative number demotes fully (fail closed)', () => {
    expect(demoteRequirement('auto', Number.NaN)).toBe('advisory');
    expect(demoteRequirement('auto', -1)).toBe('advisory');
    expect(demoteRequirement('one', 1.5)).toBe('advisory');
  });
});

describe('demotionStep', () => {
  it('says when and why each step was taken, and only applies to its action and environment', () => {
    const step = demotionStep('auto', [demotion(1)], 'scale-asg', 'dev');
    expect(step.requirement).toBe('one');
    expect(step.trace[0]).toBe('demoted one step on 2026-11-20T10:00:00.000Z: reason 1');
    expect(step.trace[1]).toContain("'auto' becomes 'one'");
    expect(step.reasons).toEqual([]);
    expect(demotionStep('auto', [demotion(1)], 'scale-asg', 'prod')).toEqual({ requirement: 'auto', reasons: [], trace: [] });
    expect(demotionStep('auto', [demotion(1)], 'other', 'dev').requirement).toBe('auto');
  });
  it('a demotion to advisory is a refusal reason naming the restore command', () => {
    const step = demotionStep('one', [demotion(2)], 'scale-asg', 'dev');
    expect(step.requirement).toBe('advisory');
    expect(step.reasons[0]).toContain('/infra-agent restore scale-asg dev <reason>');
  });
  it('the stand-in for an unreadable table (any environment) makes everything advisory', () => {
    const step = demotionStep('auto', [demotion(3, null, [{ at: now, reason: 'could not be read' }])], 'scale-asg', 'prod');
    expect(step.requirement).toBe('advisory');
    expect(step.trace[0]).toContain('demoted three steps on 2026-11-21T12:00:00.000Z: could not be read');
  });
});

describe('the evaluator applies demotions from the state', async () => {
  const policy = await e2ePolicy();
  const input = (demotions: Demotion[], environment = 'dev') => ({
    environment, action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 5 }, current: { desiredCapacity: 4 }, confidence: 0.9,
    state: { now, budgetUsed: 0, lastExecutionAt: null, pauses: [], demotions },
  });
  it('dev resource is auto; one step makes it one, with the date and reason in the trace', () => {
    expect(evaluateProposal(policy, input([]))).toMatchObject({ ok: true, requirement: 'auto' });
    const d = evaluateProposal(policy, input([demotion(1)]));
    expect(d).toMatchObject({ ok: true, requirement: 'one', matrixRequirement: 'auto' });
    expect(d.trace).toContain('demoted one step on 2026-11-20T10:00:00.000Z: reason 1');
  });
  it('prod resource is one; two steps make it advisory: refused with the reason', () => {
    const d = evaluateProposal(policy, input([demotion(2, 'prod')], 'prod'));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reasons.join('\n')).toContain("action 'scale-asg' in 'prod' is demoted to advisory");
  });
});

describe('recurrenceTrip', () => {
  const base = { action: 'scale-asg', environment: 'prod', breakers: { recurrence: '30m' }, target: 'web-asg', incidentId: 'i-2', alertName: 'HighCPU', now };
  it('trips when the target alerts again within the window, keyed by the incident', () => {
    const trip = recurrenceTrip({ ...base, lastSuccess: { proposalId: 'p-1', finishedAt: at('2026-11-21T11:40:00Z') } });
    expect(trip).toMatchObject({ breaker: 'recurrence', key: 'incident:i-2', effect: 'demote' });
    expect(trip?.reason).toContain('20 min after scale-asg succeeded there');
  });
  it('does not trip outside the window, without a success, or without the breaker', () => {
    expect(recurrenceTrip({ ...base, lastSuccess: { proposalId: 'p-1', finishedAt: at('2026-11-21T11:29:00Z') } })).toBeNull();
    expect(recurrenceTrip({ ...base, lastSuccess: null })).toBeNull();
    expect(recurrenceTrip({ ...base, breakers: {}, lastSuccess: { proposalId: 'p-1', finishedAt: now } })).toBeNull();
  });
});

describe('verificationTrip', () => {
  const v = (id: string, passed: boolean, minute: number) => ({ proposalId: id, passed, at: new Date(now.getTime() + minute * 60_000) });
  const s = { action: 'scale-asg', environment: 'prod', breakers: { verification_failures: 2 } };
  it('trips on N failures in a row, keyed by the last failure', () => {
    expect(verificationTrip({ ...s, verdicts: [v('a', false, 1)] })).toBeNull();
    expect(verificationTrip({ ...s, verdicts: [v('a', false, 1), v('b', false, 2)] })).toMatchObject({ key: 'proposal:b', breaker: 'verification_failures' });
  });
  it('a pass in between breaks the streak', () => {
    expect(verificationTrip({ ...s, verdicts: [v('a', false, 1), v('b', true, 2), v('c', false, 3)] })).toBeNull();
  });
});

describe('limitTrip', () => {
  const ex = (id: string, minutesAgo: number) => ({ id, startedAt: new Date(now.getTime() - minutesAgo * 60_000) });
  const s = { action: 'scale-asg', environment: 'prod', now, lastTripAt: null };
  it('trips past max within per, keyed by the execution that crossed the line; a hard limit pauses', () => {
    const executions = [ex('e1', 50), ex('e2', 30), ex('e3', 10)];
    expect(limitTrip('soft_limit', { ...s, limit: { max: 3, per: '1h' }, executions })).toBeNull();
    expect(limitTrip('soft_limit', { ...s, limit: { max: 2, per: '1h' }, executions })).toMatchObject({ key: 'execution:e3', effect: 'demote' });
    expect(limitTrip('hard_limit', { ...s, limit: { max: 2, per: '1h' }, executions })).toMatchObject({ key: 'execution:e3', effect: 'pause' });
  });
  it('executions outside the window do not count', () => {
    expect(limitTrip('soft_limit', { ...s, limit: { max: 2, per: '1h' }, executions: [ex('e0', 70), ex('e2', 30), ex('e3', 10)] })).toBeNull();
  });
  it('after a trip only later executions count: the same facts never trip twice', () => {
    const executions = [ex('e1', 50), ex('e2', 30), ex('e3', 10), ex('e4', 5)];
    const first = limitTrip('soft_limit', { ...s, limit: { max: 2, per: '1h' }, executions: executions.slice(0, 3) });
    expect(first?.key).toBe('execution:e3');
    expect(limitTrip('soft_limit', { ...s, lastTripAt: first?.at ?? null, limit: { max: 2, per: '1h' }, executions })).toBeNull();
  });
});

describe('tripNoticeText', () => {
  it('escapes what it quotes and says how to undo the trip', () => {
    const text = tripNoticeText({ action: 'scale-asg', environment: 'prod', breaker: 'recurrence', reason: '<!channel> again', level: 1 });
    expect(text).toContain('&lt;!channel&gt; again');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('/infra-agent restore scale-asg prod');
    expect(tripNoticeText({ action: 'scale-asg', environment: 'prod', breaker: 'hard_limit', reason: 'x', level: 0 })).toContain('/infra-agent resume action scale-asg');
  });
});
