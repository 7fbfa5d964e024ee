// The flap check and the flapping rule with plain objects: no database, no AWS, a fixed clock.
import { describe, expect, it } from 'vitest';
import { signalLine } from '../../blocks/proposal-sections.ts';
import type { RuleDiagnosis } from '../../src/domain/diagnosis.ts';
import type { AlarmSettings } from '../../src/diagnosis/collectors/alarms.ts';
import { finish, type AlertEpisode, type DiagnoseRequest } from '../../src/diagnosis/engine.ts';
import { flapSettings, flapVerdict, humanMs } from '../../src/diagnosis/flap-check.ts';
import { alarmOf, diagnoseFlapping, type FlappingObservations } from '../../src/diagnosis/rules/flapping.ts';
import { diagnosisRuleNames } from '../../src/diagnosis/rules/registry.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const NOW = new Date('2025-01-01T12:00:00Z');
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000);
/** An episode that started `minAgo` minutes ago and lasted `minutes` (null = still firing). */
const ep = (minAgo: number, minutes: number | null): AlertEpisode => ({
  startsAt: at(minAgo),
  endsAt: minutes === null ? null : new Date(at(minAgo).getTime() + minutes * 60_000),
  status: minutes === null ? 'firing' : 'resolved',
  timesSeen: 1,
});
// Every 12 minutes for 3 minutes, the newest one firing now: a textbook flapping alert.
const REGULAR = [ep(50, 3), ep(38, 3), ep(26, 3), ep(14, 3), ep(2, null)];
const req = (over: Partial<DiagnoseRequest> = {}): DiagnoseRequest =>
  diagnoseRequest({ alert: testAlert({ startsAt: at(2) }), ...over });
const obs = (history: AlertEpisode[] | Error, alarm: FlappingObservations['alarm'] = null): FlappingObservations => ({
  history: history instanceof Error ? { ok: false, error: history.message } : { ok: true, value: history },
  alarm,
  now: NOW,
});
const sig = (d: RuleDiagnosis, id: string) => d.signals.find((s) => s.id === id);
const alt = (d: RuleDiagnosis, option: string) => d.alternatives.find((a) => a.option === option);

const ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web';
const cwAlert = (startsAt = at(2)) => testAlert({ source: 'sns', name: 'HighCPU-web', startsAt, labels: { alertname: 'HighCPU-web', alarm_arn: ARN, region: 'us-east-1' } });
const alarm = (a: Partial<AlarmSettings> = {}): AlarmSettings => ({
  name: 'HighCPU-web', namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: [{ name: 'AutoScalingGroupName', value: 'web-asg' }],
  statistic: 'Average', period: 60, evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 80, comparison: 'GreaterThanThreshold',
  treatMissingData: null, state: 'ALARM', stateUpdatedAt: at(2), mathQueries: 0, ...a,
});

describe('flap settings', () => {
  it('defaults to 4 episodes in 1h, checked', () => {
    expect(flapSettings({})).toEqual({ episodes: 4, window: '1h', windowMs: 3_600_000, check: true });
    expect(flapSettings({ flap_episodes: '6', flap_window: '2h30m', flap_check: false })).toEqual({ episodes: 6, window: '2h30m', windowMs: 9_000_000, check: false });
  });

  it.each([
    [{ flap_episodes: 1 }, /flap_episodes must be a whole number from 2 to 200, got 1/],
    [{ flap_episodes: 2.5 }, /flap_episodes.*got 2.5/],
    [{ flap_episodes: 'many' }, /flap_episodes.*got "many"/],
    [{ flap_episodes: 1000 }, /flap_episodes/],
    [{ flap_window: 60 }, /flap_window must be a duration such as 30m, 1h.*got 60/],
    [{ flap_window: '60' }, /flap_window.*got "60"/],
    [{ flap_window: '0m' }, /flap_window/],
    [{ flap_window: '8d' }, /at most 7d.*got "8d"/],
    [{ flap_check: 'no' }, /flap_check must be true or false, got "no"/],
  ])('rejects %j', (settings, message) => {
    expect(() => flapSettings(settings)).toThrow(message);
  });
});

describe('flap verdict', () => {
  const s = flapSettings({});

  it('counts the episodes in the window, the alert being diagnosed included', () => {
    const v = flapVerdict(REGULAR, testAlert({ startsAt: at(2) }), NOW, s);
    expect(v).toMatchObject({ flapping: true, count: 5, unresolved: 0, medianMs: 180_000, worsening: false, truncated: false });
    // Stored or not, the current alert counts once.
    expect(flapVerdict(REGULAR.slice(0, -1), testAlert({ startsAt: at(2) }), NOW, s).count).toBe(5);
  });

  it('is not flapping with fewer episodes than flap_episodes in the window', () => {
    // Two of these started before the 1h window.
    const v = flapVerdict([ep(90, 3), ep(70, 3), ep(26, 3), ep(14, 3)], testAlert({ startsAt: at(2) }), NOW, s);
    expect(v).toMatchObject({ flapping: false, count: 3 });
    expect(flapVerdict(REGULAR, testAlert({ startsAt: at(2) }), NOW, flapSettings({ flap_episodes: 6 })).flapping).toBe(false);
  });

  it('is not flapping when an earlier episode never resolved', () => {
    const v = flapVerdict([ep(50, 3), ep(38, null), ep(26, 3), ep(14, 3), ep(2, null)], testAlert({ startsAt: at(2) }), NOW, s);
    expect(v).toMatchObject({ flapping: false, unresolved: 1 });
  });

  it('sees episodes getting longer', () => {
    const v = flapVerdict([ep(58, 2), ep(48, 2), ep(36, 5), ep(20, 8), ep(2, null)], testAlert({ startsAt: at(2) }), NOW, s);
    expect(v.longer).toEqual({ earlierMs: 120_000, laterMs: 390_000, ratio: 3.25 });
    expect(v).toMatchObject({ flapping: true, worsening: true });
  });

  it('sees episodes getting closer together', () => {
    const v = flapVerdict([ep(55, 2), ep(35, 2), ep(15, 2), ep(8, 2), ep(3, 2), ep(1, null)], testAlert({ startsAt: at(1) }), NOW, s);
    // gaps 20, 20, 7, 5, 2 (minutes): earlier half [20, 20] → 20, later half [5, 2] → 3.5
    expect(v.closer).toMatchObject({ earlierMs: 1_200_000, laterMs: 210_000 });
    expect(v.closer?.ratio).toBeCloseTo(20 / 3.5, 5);
    expect(v.longer?.ratio).toBe(1);
    expect(v.worsening).toBe(true);
  });

  it('sees a current episode already far longer than any before', () => {
    const v = flapVerdict([ep(58, 2), ep(46, 2), ep(34, 2), ep(22, null)], testAlert({ startsAt: at(22) }), NOW, s);
    expect(v).toMatchObject({ flapping: true, ongoingMs: 22 * 60_000, ongoingLonger: true, worsening: true });
  });

  it('does not count a bare resolution row as an episode', () => {
    // CloudWatch: each OK is stored as its own row, starts_at = ends_at = the OK's time.
    const ok = (minAgo: number): AlertEpisode => ({ startsAt: at(minAgo), endsAt: at(minAgo), status: 'resolved', timesSeen: 1 });
    const v = flapVerdict([ep(50, 3), ok(47), ep(38, 3), ok(35), ep(26, 3), ok(23), ep(2, null)], testAlert({ startsAt: at(2) }), NOW, s);
    expect(v).toMatchObject({ count: 4, medianMs: 180_000 });
  });

  it('merges an Alertmanager resolution whose startsAt is a second off into its episode', () => {
    const quirk: AlertEpisode = { startsAt: new Date(at(50).getTime() + 1000), endsAt: new Date(at(47).getTime() + 5000), status: 'resolved', timesSeen: 1 };
    const v = flapVerdict([ep(50, 3), quirk, ep(38, 3), ep(26, 3), ep(2, null)], testAlert({ startsAt: at(2) }), NOW, s);
    expect(v.count).toBe(4);
    expect(v.episodes[0]).toEqual({ startsAt: at(50), endsAt: new Date(at(47).getTime() + 5000), status: 'resolved', timesSeen: 2 });
  });

  it('formats durations short', () => {
    expect([45_000, 150_000, 12 * 60_000, 90 * 60_000, 119.9 * 60_000].map(humanMs)).toEqual(['45s', '2.5m', '12m', '1h30m', '2h']);
  });
});

describe('flapping rule: a noisy alert', () => {
  const d = diagnoseFlapping(obs(REGULAR), req());

  it('recommends no action and says how often and how long', () => {
    expect(d).toMatchObject({ rule: 'flapping', candidate: null, recommendation: 'no-action', risk: 'low' });
    expect(d.hypothesis).toBe('The alert HighCPU is flapping: fired 5 times in 1h, each episode lasting ~3m (median).');
    expect(d.confidence).toBeCloseTo(0.75, 5);
  });

  it('shows the episodes as signals a human can re-query', () => {
    expect(sig(d, 'flap-episodes')).toMatchObject({
      value: 5, threshold: 4, comparison: '>=', breached: true, unit: 'episodes', window: '1h',
      query: `SELECT starts_at, ends_at, status, times_seen FROM alerts WHERE source = 'alertmanager' AND fingerprint = 'f1' AND starts_at > '2025-01-01T11:00:00.000Z' AND (ends_at IS NULL OR ends_at > starts_at) ORDER BY starts_at`,
    });
    expect(sig(d, 'episode-median')).toMatchObject({ value: 3, unit: 'min' });
    expect(sig(d, 'episode-duration-trend')).toMatchObject({ value: 1, threshold: 1.5, breached: false });
    expect(sig(d, 'episode-gap-trend')).toMatchObject({ value: 1, threshold: 1.5, breached: false });
    expect(d.signals.some((s) => s.id.startsWith('alarm-'))).toBe(false); // not a CloudWatch alarm
  });

  it('reasons with the observed episodes and the trend', () => {
    const text = d.reasoning.join('\n');
    expect(text).toContain('HighCPU (alertmanager series f1) fired 5 times in the last 1h (flap_episodes 4): 11:10Z for 3m; 11:22Z for 3m; 11:34Z for 3m; 11:46Z for 3m; 11:58Z, still firing (2m so far).');
    expect(text).toContain('Each of the 4 earlier episodes resolved at the source');
    expect(text).toMatch(/not getting longer/);
    expect(text).toMatch(/not getting closer together/);
  });

  it('ranks the crash loop among the other explanations, below noise', () => {
    const statements = (d.otherHypotheses ?? []).map((h) => h.statement);
    expect(statements).toHaveLength(3);
    expect(statements.join('\n')).toMatch(/too close to normal load/);
    expect(statements.join('\n')).toMatch(/evaluation window is too short/);
    const crash = d.otherHypotheses!.find((h) => /crash loop/.test(h.statement))!;
    expect(crash.statement).toMatch(/dangerous misread/);
    expect(crash.confidence).toBeLessThan(Math.min(...d.otherHypotheses!.filter((h) => h !== crash).map((h) => h.confidence)));
  });

  it('says why the original action, escalation and tuning each won or lost', () => {
    expect(d.alternatives.map((a) => a.option)).toEqual(['scale-asg', 'escalate', 'do-nothing']);
    expect(alt(d, 'scale-asg')).toMatchObject({ summary: 'scale-asg, as cpu-saturation would propose' });
    expect(alt(d, 'scale-asg')?.whyNot).toMatch(/acting on an oscillating signal would oscillate capacity/i);
    expect(alt(d, 'escalate')?.whyNot).toMatch(/getting longer or closer together.*they are not \(median duration ~3m then ~3m; starts every ~12m then every ~12m\)/);
    // Prometheus: a `for:` longer than the 3m median, and keep_firing_for over the 9m quiet gaps.
    expect(alt(d, 'do-nothing')?.whyNot).toBe('Chosen: give the Prometheus alerting rule for HighCPU a longer `for:` (at least 5m, longer than the median episode of ~3m), and `keep_firing_for: 14m` so that the short quiet gaps (~9m median) do not resolve and re-fire it.');
  });

  it('comes out of the engine low-risk, with nothing ranked above it', () => {
    const f = finish(d, req());
    expect(f.risk).toBe('low');
    expect(f.riskFactors.join(' ')).toMatch(/No change is proposed/);
    expect(f.hypotheses[0]?.statement).toBe(d.hypothesis);
    for (const h of f.hypotheses.slice(1)) expect(h.confidence).toBeLessThanOrEqual(f.confidence);
  });
});

describe('flapping rule: getting worse', () => {
  it('escalates when episodes get longer, and says tuning would hide it', () => {
    const d = diagnoseFlapping(obs([ep(58, 2), ep(48, 2), ep(36, 5), ep(20, 8), ep(2, null)]), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(d.hypothesis).toMatch(/flapping and getting worse: fired 5 times in 1h.*episodes getting longer\. That is how a real intermittent fault such as a crash loop looks, not noise; escalate\./);
    expect(alt(d, 'escalate')?.whyNot).toMatch(/^Chosen: .*crash loop/);
    expect(alt(d, 'do-nothing')?.whyNot).toMatch(/tuning the alert would hide a fault that is getting worse/);
    expect(sig(d, 'episode-duration-trend')).toMatchObject({ value: 3.25, breached: true });
    expect(finish(d, req()).risk).toBe('high');
  });

  it('escalates when episodes come closer together', () => {
    const d = diagnoseFlapping(obs([ep(55, 2), ep(35, 2), ep(15, 2), ep(8, 2), ep(3, 2), ep(1, null)]), req({ alert: testAlert({ startsAt: at(1) }) }));
    expect(d.recommendation).toBe('escalate');
    expect(d.hypothesis).toMatch(/episodes getting closer together/);
  });
});

describe('flapping rule: CloudWatch alarms', () => {
  it('reads the alarm name and region from its ARN, only for alerts that came through SNS', () => {
    expect(alarmOf(cwAlert())).toEqual({ name: 'HighCPU-web', region: 'us-east-1' });
    expect(alarmOf(testAlert({ labels: { alarm_arn: ARN } }))).toBeNull(); // an Alertmanager label is not a CloudWatch alarm
    expect(alarmOf(testAlert({ source: 'sns', labels: {} }))).toBeNull();
  });

  const d = diagnoseFlapping(obs(REGULAR, { ok: true, value: alarm() }), req({ alert: cwAlert() }));

  it('shows the evaluation settings: one datapoint of 60 s trips it', () => {
    expect(sig(d, 'alarm-evaluation')).toMatchObject({
      source: 'cloudwatch', value: 1, unit: 'of 1 datapoints', label: 'Alarm evaluation (datapoints of 60 s)',
      query: 'CloudWatch DescribeAlarms AlarmNames=[HighCPU-web] (us-east-1) → DatapointsToAlarm, EvaluationPeriods, Period',
    });
    // As the card prints it.
    expect(signalLine(sig(d, 'alarm-evaluation')!)).toMatch(/^• \*Alarm evaluation \(datapoints of 60 s\)\*: 1 of 1 datapoints · now · `CloudWatch DescribeAlarms/);
    expect(sig(d, 'alarm-threshold')).toMatchObject({ value: 80, label: 'Alarm threshold: Average of AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} >' });
    expect(sig(d, 'alarm-state-age')).toMatchObject({ value: 2, label: 'Alarm state ALARM for', unit: 'min' });
    expect(d.reasoning.join('\n')).toContain('CloudWatch alarm HighCPU-web fires when 1 of 1 datapoints of 60 s breach (Average of AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} > 80): a single breaching datapoint trips it, and a single clean one clears it.');
  });

  it('ranks the too-short evaluation window from the alarm itself, and tunes DatapointsToAlarm', () => {
    const short = d.otherHypotheses?.find((h) => /evaluation window is too short/.test(h.statement));
    expect(short).toMatchObject({ statement: "The alarm's evaluation window is too short: 1 of 1 datapoints of 60 s — a single datapoint trips it.", confidence: 0.55 });
    // median 3m at 60 s → 4 datapoints must breach, of 6
    expect(alt(d, 'do-nothing')?.whyNot).toMatch(/raise DatapointsToAlarm\/EvaluationPeriods from 1 of 1 to 4 of 6 \(datapoints of 60 s\), so that a breach must last ~4m, longer than the median episode \(~3m\)/);
  });

  it('reports a missing alarm as unavailable signals, not as settings', () => {
    const gone = diagnoseFlapping(obs(REGULAR, { ok: true, value: null }), req({ alert: cwAlert() }));
    expect(sig(gone, 'alarm-evaluation')).toMatchObject({ value: null, error: 'no CloudWatch alarm named HighCPU-web in us-east-1' });
    expect(gone.reasoning.join(' ')).toMatch(/found no alarm named HighCPU-web in us-east-1/);
    expect(gone.recommendation).toBe('no-action'); // the history alone still shows the flapping
    expect(finish(gone, req()).confidence).toBeLessThanOrEqual(0.6);
  });
});

describe('flapping rule: when it cannot conclude', () => {
  it('says the history could not be read', () => {
    const d = diagnoseFlapping(obs(new Error('alert history: timed out after 5000 ms')), req());
    expect(d).toMatchObject({ candidate: null, confidence: 0.2, risk: 'medium' });
    expect(d.recommendation).toBeUndefined();
    expect(d.hypothesis).toMatch(/cannot be told/);
    expect(sig(d, 'flap-episodes')).toMatchObject({ value: null, breached: null, error: 'alert history: timed out after 5000 ms' });
  });

  it('says when an alert named for it is not flapping', () => {
    const d = diagnoseFlapping(obs([ep(26, 3), ep(2, null)]), req());
    expect(d.hypothesis).toBe('HighCPU is not flapping: it fired 2 times in 1h, fewer than 4.');
    expect(d.recommendation).toBeUndefined();
    expect(sig(d, 'flap-episodes')).toMatchObject({ value: 2, breached: false });
  });

  it('does not claim a trend it cannot see', () => {
    const d = diagnoseFlapping(obs([ep(20, 3), ep(2, null)]), req({ settings: { flap_episodes: 2 } }));
    expect(d.recommendation).toBe('no-action');
    expect(alt(d, 'escalate')?.whyNot).toMatch(/2 episodes are too few to show a trend yet/);
    expect(d.reasoning.join(' ')).toMatch(/Too few episodes in 1h to tell whether they are getting closer together/);
  });

  it('is registered', () => {
    expect(diagnosisRuleNames).toContain('flapping');
  });
});
