// The engine's choices with fake rules and a fake history reader (no AWS, no database): which rule
// runs when the alert flaps, and what `finish` makes of any rule's output.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { RuleDiagnosis } from '../../src/domain/diagnosis.ts';
import type { Signal } from '../../src/domain/signal.ts';
import {
  finish, runDiagnosis, type AlertEpisode, type AlertHistoryReader, type AlertSeries, type DiagnosisDeps, type DiagnosisRule,
} from '../../src/diagnosis/engine.ts';
import { flapping } from '../../src/diagnosis/rules/flapping.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const NOW = new Date('2025-01-01T12:00:00Z');
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000);
const ep = (minAgo: number, minutes: number | null): AlertEpisode => ({
  startsAt: at(minAgo),
  endsAt: minutes === null ? null : new Date(at(minAgo).getTime() + minutes * 60_000),
  status: minutes === null ? 'firing' : 'resolved',
  timesSeen: 1,
});
const FLAPPY = [ep(50, 3), ep(38, 3), ep(26, 3), ep(14, 3), ep(2, null)];
const CALM = [ep(26, 3), ep(2, null)];

type Read = { series: AlertSeries; since: Date; until: Date; limit: number };
/** A reader over fixed episodes that records every call; `fail` rejects, `hang` never answers. */
function fakeHistory(episodes: AlertEpisode[], mode: 'ok' | 'fail' | 'hang' = 'ok'): AlertHistoryReader & { reads: Read[] } {
  const reads: Read[] = [];
  return {
    reads,
    async episodes(series, range) {
      reads.push({ series, ...range });
      if (mode === 'fail') throw new Error('connection refused');
      if (mode === 'hang') return new Promise<AlertEpisode[]>(() => undefined);
      return episodes.filter((e) => e.startsAt > range.since && e.startsAt <= range.until);
    },
  };
}

/** A rule that records that it ran and concludes something recognisable. */
function fakeRule(name: string, ran: string[]): DiagnosisRule<string> {
  return {
    name,
    async collect() {
      ran.push(name);
      return `${name} observations`;
    },
    diagnose: (obs) => ({
      rule: name, hypothesis: `${name} concluded from ${obs}`, confidence: 0.8, signals: [], reasoning: [`${name} reasoned`],
      alternatives: [], risk: 'medium', candidate: null,
    }),
  };
}

function setup(history?: AlertHistoryReader, over: Partial<DiagnosisDeps> = {}) {
  const ran: string[] = [];
  const deps: DiagnosisDeps = {
    // Fake rules make no AWS call: clients that would throw if touched prove it.
    autoscaling: {} as AutoScalingClient,
    cloudwatch: {} as CloudWatchClient,
    now: () => NOW,
    rules: { 'cpu-saturation': fakeRule('cpu-saturation', ran), flapping: fakeRule('flapping', ran) },
    ...(history ? { history } : {}),
    ...over,
  };
  return { deps, ran };
}
const req = (settings: Record<string, number | string | boolean> = {}) =>
  diagnoseRequest({ alert: testAlert({ startsAt: at(2) }), settings });

describe('engine: flapping alerts get the flapping rule', () => {
  it('runs the flapping rule instead of the named one, and says so first', async () => {
    const history = fakeHistory(FLAPPY);
    const { deps, ran } = setup(history);
    const d = await runDiagnosis(deps, req());
    expect(ran).toEqual(['flapping']);
    expect(d.rule).toBe('flapping');
    expect(d.reasoning[0]).toBe('HighCPU has flapped: it fired 5 times in the last 1h, each episode lasting ~3m (median), and every earlier episode resolved on its own (flap_episodes 4), so the flapping diagnosis ran instead. cpu-saturation was not run: acting on an oscillating signal would oscillate capacity with it.');
    expect(d.reasoning[1]).toBe('flapping reasoned');
    // One bounded read of this series over the window before now.
    expect(history.reads).toEqual([{ series: { source: 'alertmanager', fingerprint: 'f1' }, since: at(60), until: NOW, limit: 201 }]);
  });

  it('runs the named rule when the history shows no flapping', async () => {
    const { deps, ran } = setup(fakeHistory(CALM));
    const d = await runDiagnosis(deps, req());
    expect(ran).toEqual(['cpu-saturation']);
    expect(d.reasoning).toEqual(['cpu-saturation reasoned']);
  });

  it('judges by the rule settings flap_episodes and flap_window', async () => {
    const six = setup(fakeHistory(FLAPPY));
    expect((await runDiagnosis(six.deps, req({ flap_episodes: 6 }))).rule).toBe('cpu-saturation');
    const narrow = setup(fakeHistory(FLAPPY));
    expect((await runDiagnosis(narrow.deps, req({ flap_window: '30m' }))).rule).toBe('cpu-saturation'); // 3 episodes in 30m
    const three = setup(fakeHistory(FLAPPY));
    expect((await runDiagnosis(three.deps, req({ flap_window: '30m', flap_episodes: 3 }))).rule).toBe('flapping');
  });

  it('lets a policy rule opt out with flap_check: false, without reading the history', async () => {
    const history = fakeHistory(FLAPPY);
    const { deps, ran } = setup(history);
    await runDiagnosis(deps, req({ flap_check: false }));
    expect(ran).toEqual(['cpu-saturation']);
    expect(history.reads).toHaveLength(0);
  });

  it('runs the named rule, adding nothing, when the history read fails', async () => {
    const { deps, ran } = setup(fakeHistory(FLAPPY, 'fail'));
    const d = await runDiagnosis(deps, req());
    expect(ran).toEqual(['cpu-saturation']);
    expect(d.reasoning).toEqual(['cpu-saturation reasoned']);
    expect(d.signals).toEqual([]);
  });

  it('bounds a hanging history read by the collector timeout', async () => {
    const { deps, ran } = setup(fakeHistory(FLAPPY, 'hang'), { collectorTimeoutMs: 50 });
    const t0 = Date.now();
    const d = await runDiagnosis(deps, req());
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ran).toEqual(['cpu-saturation']);
    expect(d.rule).toBe('cpu-saturation');
  });

  it('runs the named rule when no history reader is given', async () => {
    const { deps, ran } = setup();
    await runDiagnosis(deps, req());
    expect(ran).toEqual(['cpu-saturation']);
  });

  it('does not pre-check a rule that is itself the flapping rule', async () => {
    const history = fakeHistory(FLAPPY);
    const { deps, ran } = setup(history);
    const d = await runDiagnosis(deps, diagnoseRequest({ rule: 'flapping', alert: testAlert({ startsAt: at(2) }) }));
    expect(ran).toEqual(['flapping']);
    expect(history.reads).toHaveLength(0); // the fake flapping rule reads nothing; the engine read nothing either
    expect(d.reasoning).toEqual(['flapping reasoned']);
  });

  it('fails loudly on a bad flap setting', async () => {
    const { deps } = setup(fakeHistory(FLAPPY));
    await expect(runDiagnosis(deps, req({ flap_window: 'soon' }))).rejects.toThrow(/flap_window must be a duration/);
  });

  it('reads the history once when the real flapping rule takes over', async () => {
    const history = fakeHistory(FLAPPY);
    const ran: string[] = [];
    const deps: DiagnosisDeps = {
      autoscaling: {} as AutoScalingClient, cloudwatch: {} as CloudWatchClient, now: () => NOW, history,
      rules: { 'cpu-saturation': fakeRule('cpu-saturation', ran), flapping },
    };
    const d = await runDiagnosis(deps, req());
    expect(ran).toEqual([]);
    expect(history.reads).toHaveLength(1); // the check and the rule share one read
    expect(d).toMatchObject({ rule: 'flapping', recommendation: 'no-action', candidate: null, risk: 'low' });
    expect(d.signals.find((s) => s.id === 'flap-episodes')).toMatchObject({ value: 5, threshold: 4, breached: true });
  });

  it('names the known rules for an unknown one', async () => {
    const { deps } = setup();
    await expect(runDiagnosis(deps, diagnoseRequest({ rule: 'disk-full' }))).rejects.toThrow('unknown diagnosis rule "disk-full" (known: cpu-saturation, flapping)');
  });
});

const signal = (over: Partial<Signal> = {}): Signal => ({
  id: 'cpu-avg', label: 'CPU', source: 'cloudwatch', query: 'q', window: '15m', value: 90, unit: '%', threshold: 80, comparison: '>', breached: true, ...over,
});
const rule = (over: Partial<RuleDiagnosis> = {}): RuleDiagnosis => ({
  rule: 'cpu-saturation', hypothesis: 'saturated', confidence: 0.7, signals: [signal()], reasoning: [], alternatives: [], risk: 'low',
  candidate: { action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 6 }, expectedEffect: 'x' }, ...over,
});

describe('engine: finish', () => {
  it('ranks the hypotheses, the acted-on one first and none above its confidence', () => {
    const d = finish(rule({ otherHypotheses: [{ statement: 'b', confidence: 0.3 }, { statement: 'c', confidence: 0.95 }, { statement: 'd', confidence: 0.5 }] }), diagnoseRequest());
    expect(d.hypotheses).toEqual([
      { statement: 'saturated', confidence: 0.7 }, { statement: 'c', confidence: 0.7 }, { statement: 'd', confidence: 0.5 }, { statement: 'b', confidence: 0.3 },
    ]);
    expect('otherHypotheses' in d).toBe(false);
  });

  it('caps confidence when a signal is unavailable, and names it as a risk factor', () => {
    const d = finish(rule({ confidence: 0.95, signals: [signal(), signal({ id: 'desired', value: null, error: 'timed out' })], candidate: null }), diagnoseRequest());
    expect(d.confidence).toBe(0.6);
    expect(d.riskFactors).toContain('1 signal unavailable');
    const clean = finish(rule({ confidence: 0.95 }), diagnoseRequest());
    expect(clean.confidence).toBe(0.95);
  });

  it('derives the risk of a change from its size, blast radius, reversibility, environment and confidence', () => {
    const staging = finish(rule({ confidence: 0.9, riskFactors: ['step +2 on 4 instances (50%)'] }), diagnoseRequest());
    expect(staging.risk).toBe('low');
    expect(staging.riskFactors.join('\n')).toMatch(/Change size: low — step \+2 on 4 instances \(50%\)/);
    expect(staging.riskFactors.join('\n')).toMatch(/Blast radius of scale-asg: resource/);
    expect(staging.riskFactors.join('\n')).toMatch(/Environment staging is not production/);
    const prod = finish(rule({ confidence: 0.6 }), diagnoseRequest({
      environment: { name: 'prod', production: true }, action: () => ({ blastRadius: 'service', reversible: false }),
    }));
    // low(0) + service(1) + irreversible(1) + production(1) + moderate confidence(1) = 4 → high
    expect(prod.risk).toBe('high');
    expect(prod.riskFactors.at(-1)).toBe('4 points → high (0–1 low, 2–3 medium, 4+ high)');
  });

  it("keeps the rule's own level when nothing is proposed", () => {
    const d = finish(rule({ candidate: null, risk: 'high', recommendation: 'escalate' }), diagnoseRequest());
    expect(d).toMatchObject({ risk: 'high', recommendation: 'escalate' });
    expect(d.riskFactors.at(-1)).toMatch(/No change is proposed/);
  });
});
