// The watchdog's pure pieces: the heartbeat through the real pipeline stages (no I/O), and the
// readiness judgement /readyz answers with.
import { describe, expect, it } from 'vitest';
import { proposalCard } from '../../blocks/proposal.ts';
import { runHeartbeat } from '../../src/watchdog/heartbeat.ts';
import { pipelineReadiness } from '../../src/watchdog/readiness.ts';
import { e2ePolicy } from '../helpers/context.ts';

const now = new Date('2026-11-21T12:00:00Z');

describe('runHeartbeat', async () => {
  const policy = await e2ePolicy();
  it('goes through ingest, routing, diagnosis, evidence and rendering, routed to the first environment', async () => {
    const rendered: string[] = [];
    const r = await runHeartbeat({ policy, now, render: (input) => { const card = proposalCard(input); rendered.push(card.text); return card; } });
    expect(r).toMatchObject({ ok: true, environment: 'dev' });
    expect(rendered).toHaveLength(1);
    expect(rendered[0]).toContain('InfraAgentHeartbeat');
  });
  it('a renderer that throws fails the render stage with its message', async () => {
    const r = await runHeartbeat({ policy, now, render: () => { throw new Error('renderer is broken'); } });
    expect(r).toMatchObject({ ok: false, stage: 'render', error: 'renderer is broken' });
  });
  it("a card past Slack's limits fails the render stage", async () => {
    const r = await runHeartbeat({ policy, now, render: () => ({ text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }) });
    expect(r).toMatchObject({ ok: false, stage: 'render' });
    if (!r.ok) expect(r.error).toContain('51 blocks > 50');
  });
  it('a source that refuses the payload fails the ingest stage', async () => {
    const r = await runHeartbeat({ policy, now, source: { name: 'broken', authenticate: () => ({ ok: true }), parse: () => ({ ok: false, reason: 'schema drift' }) } });
    expect(r).toMatchObject({ ok: false, stage: 'ingest' });
  });
  it("routes by copying the first environment's match labels, whatever they are", async () => {
    const r = await runHeartbeat({ policy: { ...policy, environments: { only: { channel: 'C0X', match: { team: ['web'], env: ['x'] } } } }, now });
    expect(r).toMatchObject({ ok: true, environment: 'only' });
  });
});

describe('pipelineReadiness', () => {
  const startedAt = new Date(now.getTime() - 600_000);
  const opts = { staleMs: 180_000, startedAt };
  const state = (over: Partial<{ lastOkAt: Date | null; lastRunAt: Date | null; lastError: string | null }>) => ({ lastOkAt: null, lastRunAt: null, lastError: null, lastMs: 1, stallNotifiedAt: null, ...over });
  it('ready with a recent success', () => {
    expect(pipelineReadiness(state({ lastOkAt: new Date(now.getTime() - 60_000) }), now, opts).ok).toBe(true);
  });
  it('not ready when the last run failed, with its error', () => {
    const r = pipelineReadiness(state({ lastOkAt: new Date(now.getTime() - 60_000), lastRunAt: now, lastError: 'render: boom' }), now, opts);
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toContain('failed: render: boom');
  });
  it('not ready when the last success is older than the threshold', () => {
    const r = pipelineReadiness(state({ lastOkAt: new Date(now.getTime() - 181_000) }), now, opts);
    if (r.ok) throw new Error('expected not ready');
    expect(r.reason).toContain('no successful pipeline heartbeat since');
  });
  it('a fresh process has the threshold from its start; nothing ever run after that is a stall', () => {
    expect(pipelineReadiness(null, now, { staleMs: 180_000, startedAt: new Date(now.getTime() - 10_000) }).ok).toBe(true);
    expect(pipelineReadiness(null, now, opts).ok).toBe(false);
  });
});
