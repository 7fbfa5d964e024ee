import { describe, expect, it } from 'vitest';
import { incidentActivityMessage, mergeSummaries, NAMED_ALERTS, type ActivitySummary } from '../../blocks/incident-activity.ts';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import type { ThreadAnswer } from '../../blocks/thread-answer-kit.ts';

const summary = (over: Partial<ActivitySummary> = {}): ActivitySummary => ({
  newAlerts: 3, repeats: 0, resolved: 0, firingNow: 4, totalNow: 4, incidentStatus: 'open',
  samples: [
    { name: 'HighCPU', status: 'firing', labels: { alertname: 'HighCPU', instance: 'i-0001', autoscaling_group: 'web-asg' } },
    { name: 'HighCPU', status: 'firing', labels: { alertname: 'HighCPU', instance: 'i-0002', autoscaling_group: 'web-asg' } },
  ],
  ...over,
});

const all = (a: ThreadAnswer | null): string => JSON.stringify(a?.blocks);
function valid(a: ThreadAnswer | null): ThreadAnswer {
  expect(a).not.toBeNull();
  expect(validateBlocks(a!.blocks)).toEqual([]);
  expect(validateMessageText(a!.text)).toEqual([]);
  return a!;
}

describe('incidentActivityMessage', () => {
  it('says what arrived since the last update, where the incident stands, and names the first new alerts', () => {
    const a = valid(incidentActivityMessage([summary({ repeats: 7, resolved: 1, firingNow: 3 })]));
    for (const part of [
      'Since the last update: *3 new alerts* · 7 repeats · 1 resolved', 'Now 4 alerts in this incident, *3 firing*.',
      '*New alerts*', '• `HighCPU` (firing) autoscaling_group=web-asg, instance=i-0001', 'instance=i-0002', '… and 1 more',
    ]) expect(all(a)).toContain(part);
    // The alert name is shown once, not again among the labels.
    expect(all(a)).not.toContain('alertname=');
    expect(a.text).toBe('Incident update: 3 new alerts, 7 repeats, 1 resolved; 3 of 4 firing');
  });

  it('adds up several waiting summaries and takes "now" from the latest', () => {
    const merged = mergeSummaries([
      summary({ newAlerts: 9_000, repeats: 2, firingNow: 9_001, totalNow: 9_001 }),
      summary({ newAlerts: 999, resolved: 4, firingNow: 9_996, totalNow: 10_000 }),
    ]);
    expect(merged).toMatchObject({ newAlerts: 9_999, repeats: 2, resolved: 4, firingNow: 9_996, totalNow: 10_000 });
    expect(merged?.samples).toHaveLength(4);
    const a = valid(incidentActivityMessage([summary({ newAlerts: 9_000 }), summary({ newAlerts: 999, firingNow: 9_996, totalNow: 10_000 })]));
    expect(all(a)).toContain('*9,999 new alerts*');
    expect(all(a)).toContain('Now 10,000 alerts in this incident, *9,996 firing*.');
    // Two summaries of two samples each: four named, the rest counted.
    expect(all(a)).toContain('… and 9,995 more');
    expect(incidentActivityMessage([])).toBeNull();
  });

  it('says when the incident has resolved, and lists nothing when no alert is new', () => {
    const a = valid(incidentActivityMessage([summary({ newAlerts: 0, resolved: 4, firingNow: 0, incidentStatus: 'resolved', samples: [] })]));
    expect(all(a)).toContain('*0 new alerts* · 4 resolved');
    expect(all(a)).toContain('*Incident resolved:* none of its 4 alerts fires any more.');
    expect(all(a)).not.toContain('New alerts*');
    expect(a.text).toBe('Incident update: 0 new alerts, 0 repeats, 4 resolved; resolved');
  });

  it('escapes and bounds hostile alert names and labels', () => {
    const hostile = {
      name: 'X` <!channel> <https://evil.example|click>',
      status: 'firing' as const,
      labels: { alertname: 'X', note: '<@U0ADMIN> & <!here>'.repeat(200), ['<!everyone>']: 'v' },
    };
    const a = valid(incidentActivityMessage([summary({ newAlerts: 1, samples: [hostile] })]));
    const text = all(a);
    for (const raw of ['<!channel>', '<!here>', '<!everyone>', '<@U0ADMIN>', '<https://evil']) expect(text).not.toContain(raw);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;');
    // The labels line is cut, not the message.
    expect(text).toContain('…');
  });

  it('names at most a few alerts however many samples are offered', () => {
    const samples = Array.from({ length: 40 }, (_, i) => ({ name: 'HighCPU', status: 'firing' as const, labels: { instance: `i-${i}` } }));
    const a = valid(incidentActivityMessage([summary({ newAlerts: 40, samples })]));
    expect((all(a).match(/• `HighCPU`/g) ?? []).length).toBe(NAMED_ALERTS);
    expect(all(a)).toContain(`… and ${40 - NAMED_ALERTS} more`);
  });
});
