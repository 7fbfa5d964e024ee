// The heartbeat's own diagnosis rule: it runs through the real engine (rule lookup, the collector
// runner with its timeout, ranking, risk) but reads nothing outside the process — no AWS call.
import type { DiagnosisRule } from '../diagnosis/engine.ts';

export const HEARTBEAT_RULE = 'heartbeat';

export const heartbeatRule: DiagnosisRule<{ probeMs: number | null; error: string | null }> = {
  name: HEARTBEAT_RULE,
  async collect(ctx) {
    const started = Date.now();
    const probe = await ctx.run('heartbeat probe', async () => Date.now() - started);
    return probe.ok ? { probeMs: probe.value, error: null } : { probeMs: null, error: probe.error };
  },
  diagnose(obs) {
    return {
      rule: HEARTBEAT_RULE,
      hypothesis: 'the alert pipeline is alive (synthetic heartbeat)',
      confidence: 1,
      signals: [
        {
          id: 'heartbeat.collector',
          label: 'collector runner round trip',
          source: 'alert-history',
          query: 'in-process probe (no AWS call)',
          window: 'now',
          value: obs.probeMs,
          unit: 'ms',
          threshold: null,
          comparison: null,
          breached: null,
          ...(obs.error ? { error: obs.error } : {}),
        },
      ],
      reasoning: ['A synthetic alert went through ingest, routing and diagnosis; nothing is proposed, executed or posted.'],
      alternatives: [{ option: 'do-nothing', summary: 'Nothing to fix', whyNot: 'this is the watchdog, not an incident' }],
      risk: 'low',
      candidate: null,
      recommendation: 'no-action',
    };
  },
};
