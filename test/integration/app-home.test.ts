// App Home through the real Bolt app: signed `app_home_opened` events, the Home tab published on
// the fake Slack (which checks it like Slack), per viewer "Waiting for you" judged like a click,
// and the same status as `/infra-agent status`.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateView } from '../../blocks/limits.ts';
import { createLogger } from '../../src/log.ts';
import { setProposalMessage } from '../../src/store/repos/proposals.ts';
import { BOT_TOKEN, E2E_POLICY, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal, type SeedProposal } from '../helpers/seed-proposal.ts';
import { appHomeOpenedBody, FORM, JSON_TYPE, postToBolt, signSlack, slashCommandBody } from '../helpers/slack-requests.ts';

const A = 'U0AAA0001'; // sre-oncall
const B = 'U0BBB0002'; // sre-oncall
const C = 'U0CCC0003'; // platform-leads, admin
const D = 'U0DDD0004'; // member of the sre-oncall user group S0SRE00001
const STRANGER = 'U0ZZZ9999';
const CHANNEL = 'C0PROD0001';

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { text: string }[] };
const textOf = (blocks: Block[], prefix: string): string =>
  blocks.filter((b) => b.block_id?.startsWith(prefix)).map((b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text).join('\n')).join('\n');
const listedIds = (waiting: string): string[] => [...waiting.matchAll(/id `([0-9a-f-]{36})`/g)].map((m) => m[1]!);

describe('App Home', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let policyDir: string;
  let n = 0;
  const ids: Record<'one' | 'two' | 'mine' | 'other' | 'approved' | 'expired' | 'resolved', string> = {} as never;

  const publishedFor = (user: string) => slack.callsTo('views.publish').filter((c) => c.body['user_id'] === user);
  const sendOpen = (user: string, opts: { tab?: 'home' | 'messages'; headers?: Record<string, string>; hash?: string } = {}) =>
    postToBolt(bot.baseUrl, '/slack/events', appHomeOpenedBody({ userId: user, ...(opts.tab ? { tab: opts.tab } : {}), ...(opts.hash ? { view: { hash: opts.hash } } : {}) }), JSON_TYPE, SIGNING_SECRET, opts.headers);

  /** Opens the Home tab as `user` and returns the view Slack accepted. */
  async function openHome(user: string): Promise<{ blocks: Block[]; waiting: string; status: string }> {
    const before = publishedFor(user).length;
    expect((await sendOpen(user)).status).toBe(200);
    const call = await eventually(() => publishedFor(user).slice(before).find((c) => c.ok !== undefined), 10_000, `views.publish for ${user}`);
    expect(call.ok).toBe(true);
    const view = slack.homeViews.get(user)!.view as { type: string; blocks: Block[] };
    expect(validateView(view)).toEqual([]);
    return { blocks: view.blocks, waiting: textOf(view.blocks, 'home.waiting'), status: textOf(view.blocks, 'home.status') };
  }

  async function command(user: string, text: string): Promise<{ text: string }> {
    const id = `home-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId: user, channelId: CHANNEL, text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    return (await eventually(() => slack.responses.find((r) => r.id === id), 10_000, `answer to '${text}'`)).body as { text: string };
  }

  async function postCard(channel: string): Promise<{ channel: string; ts: string }> {
    const posted = await bot.ctx.slack.chat.postMessage({ channel, text: 'card' });
    return { channel: posted.channel!, ts: posted.ts! };
  }

  beforeAll(async () => {
    // The e2e policy, except that only platform-leads may approve replace-instance.
    policyDir = mkdtempSync(path.join(tmpdir(), 'app-home-policy-'));
    cpSync(E2E_POLICY, policyDir, { recursive: true });
    const actions = path.join(policyDir, '30-actions.yml');
    const [head, tail] = readFileSync(actions, 'utf8').split('  replace-instance:');
    writeFileSync(actions, `${head}  replace-instance:${tail!.replace('approvers: [sre-oncall, platform-leads]', 'approvers: [platform-leads]')}`);
    t = await createTestDatabase();
    slack = await startFakeSlack();
    slack.setUsergroup('S0SRE00001', [D]);
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, policyPath: policyDir });

    const scale = (target: string, over: Partial<SeedProposal> = {}) =>
      seedProposal(t.db, { target, params: { desiredCapacity: 6 }, observed: { desiredCapacity: 4 }, state: 'pending', ...over });
    const soon = new Date(Date.now() + 20 * 60_000);
    // Oldest first, as the tab lists them.
    ids.one = await scale('web-one');
    ids.two = await scale('web-two', { requirement: 'two' });
    ids.mine = await scale('web-mine');
    ids.other = await seedProposal(t.db, { action: 'replace-instance', target: 'web-other', params: { instanceId: 'i-0abc' }, state: 'pending' });
    ids.approved = await scale('web-approved', { state: 'approved', decidedBy: B });
    ids.expired = await scale('web-expired');
    ids.resolved = await scale('web-resolved');
    for (const id of Object.values(ids)) {
      const card = await postCard(CHANNEL);
      await setProposalMessage(t.db, id, card.channel, card.ts);
      await t.db.updateTable('proposals').set({ approval_expires_at: soon }).where('id', '=', id).execute();
    }
    await t.db.updateTable('proposals').set({ requested_by: A }).where('id', '=', ids.mine).execute();
    await t.db.updateTable('proposals').set({ approval_expires_at: new Date(Date.now() - 60_000) }).where('id', '=', ids.expired).execute();
    const resolved = await t.db.selectFrom('proposals').select('incident_id').where('id', '=', ids.resolved).executeTakeFirstOrThrow();
    await t.db.updateTable('incidents').set({ status: 'resolved', resolved_at: new Date() }).where('id', '=', resolved.incident_id).execute();
    // The two-person change: A approved first; B has an approval card by DM.
    const two = await t.db.selectFrom('proposals').select('hash').where('id', '=', ids.two).executeTakeFirstOrThrow();
    await t.db.insertInto('approvals').values({ proposal_id: ids.two, slack_user: A, proposal_hash: two.hash, via: 'named approver' }).execute();
    const dm = await postCard(B);
    await t.db.insertInto('proposal_messages').values({ proposal_id: ids.two, channel: dm.channel, ts: dm.ts, kind: 'dm', slack_user: B }).execute();
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    if (policyDir) rmSync(policyDir, { recursive: true, force: true });
  });

  it("lists each viewer's own pending approvals, oldest first, with a link to the card they approve from", async () => {
    const a = await openHome(A);
    // Not the two-person change A approved already, not the one A asked for, not replace-instance.
    expect(listedIds(a.waiting)).toEqual([ids.one]);
    expect(a.waiting).toContain('*Waiting for you (1)*');
    expect(a.waiting).toContain('• `scale-asg` on `web-one` (prod) — needs *one* · waiting 0 min · expires <!date^');
    expect(a.waiting).toMatch(new RegExp(`<https://fake\\.slack\\.com/archives/${CHANNEL}/p\\d+\\|card \\(fake\\.slack\\.com\\)>`));

    const b = await openHome(B);
    expect(listedIds(b.waiting)).toEqual([ids.one, ids.two, ids.mine]);
    // B is the second approver of the two-person change, from B's own DM card.
    expect(b.waiting).toContain('• `scale-asg` on `web-two` (prod) — needs *two* (1 of 2 approvals so far)');
    expect(b.waiting).toMatch(/<https:\/\/fake\.slack\.com\/archives\/D0BBB0002\/p\d+\|your approval card \(fake\.slack\.com\)>/);

    // platform-leads approve replace-instance too; a user group member counts like a named approver.
    expect(listedIds((await openHome(C)).waiting)).toEqual([ids.one, ids.two, ids.mine, ids.other]);
    expect(listedIds((await openHome(D)).waiting)).toEqual([ids.one, ids.two, ids.mine]);
    const stranger = await openHome(STRANGER);
    expect(listedIds(stranger.waiting)).toEqual([]);
    expect(stranger.waiting).toContain('nothing is waiting for your approval');
  });

  it('shows everyone the same status as `/infra-agent status`, a pause included', async () => {
    const paused = await command(C, 'pause env dev load test in dev');
    expect(paused.text).toContain('paused');
    const a = await openHome(A);
    const b = await openHome(B);
    expect(a.status).toBe(b.status);
    expect(a.status).toContain(`environment *dev* paused by <@${C}>`);
    expect(a.status).toContain('load test in dev');
    const status = await command(STRANGER, 'status');
    for (const line of status.text.split('\n')) expect(a.status).toContain(line);
    // The dev pause blocks nothing in prod.
    expect(listedIds(a.waiting)).toEqual([ids.one]);
  });

  it('lists nothing the policy lets nobody approve right now, and says why', async () => {
    await command(C, 'pause env prod maintenance');
    const b = await openHome(B);
    expect(listedIds(b.waiting)).toEqual([]);
    expect(b.waiting).toContain('4 pending proposal(s) cannot be approved by anyone right now');
    expect(b.status).toContain('environment *prod* paused');
    await command(C, 'resume env prod done');
    expect(listedIds((await openHome(B)).waiting)).toEqual([ids.one, ids.two, ids.mine]);
  });

  it('publishes nothing for an unsigned or badly signed event, nor for the Messages tab', async () => {
    const body = appHomeOpenedBody({ userId: STRANGER.replace('9999', '8888') });
    const forged = { ...signSlack('not-the-secret', body, undefined, JSON_TYPE) };
    expect((await fetch(new URL('/slack/events', bot.baseUrl), { method: 'POST', headers: forged, body })).status).toBe(401);
    expect((await fetch(new URL('/slack/events', bot.baseUrl), { method: 'POST', headers: { 'content-type': JSON_TYPE }, body })).status).toBe(401);
    const old = { ...signSlack(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600, JSON_TYPE) };
    expect((await fetch(new URL('/slack/events', bot.baseUrl), { method: 'POST', headers: old, body })).status).toBe(401);
    expect((await sendOpen('U0MSG0001', { tab: 'messages' })).status).toBe(200);
    // A signed open afterwards is published: the ones before it were not dropped for lack of time.
    await openHome('U0LATER001');
    expect(publishedFor('U0ZZZ8888')).toEqual([]);
    expect(publishedFor('U0MSG0001')).toEqual([]);
  });

  it('logs a failing views.publish by its error code, without the token, and keeps serving the next open', async () => {
    let out = '';
    const quiet = bot.ctx.log;
    bot.ctx.log = createLogger('info', new Writable({ write(chunk, _enc, cb) { out += chunk.toString(); cb(); } }));
    try {
      const lastHash = slack.homeViews.get(A)?.hash;
      slack.failNext('views.publish', 'not_enabled');
      const before = publishedFor(A).length;
      expect((await sendOpen(A)).status).toBe(200);
      // Answered { ok: false, error: 'not_enabled' }, as Slack does when the Home tab is off.
      await eventually(() => out.includes('could not publish the Home tab'), 10_000, 'the failure logged');
      expect(publishedFor(A).slice(before)).toHaveLength(1);
      expect(slack.homeViews.get(A)?.hash).toBe(lastHash);
      const line = JSON.parse(out.split('\n').find((l) => l.includes('could not publish the Home tab'))!) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 50, user: A, error: 'not_enabled' });
      expect(out).not.toContain(BOT_TOKEN);
      expect(listedIds((await openHome(A)).waiting)).toEqual([ids.one]);
    } finally {
      bot.ctx.log = quiet;
    }
  });

  it('publishes against the hash of the tab the person has open: a stale one is dropped, the current one replaces it', async () => {
    await openHome(B);
    const current = slack.homeViews.get(B)!.hash;
    const before = publishedFor(B).length;
    expect((await sendOpen(B, { hash: 'a-view-published-long-ago' })).status).toBe(200);
    const stale = await eventually(() => publishedFor(B).slice(before).find((c) => c.ok !== undefined), 10_000, 'the stale publish');
    expect(stale).toMatchObject({ ok: false, body: expect.objectContaining({ hash: 'a-view-published-long-ago' }) });
    expect(slack.homeViews.get(B)!.hash).toBe(current);
    expect((await sendOpen(B, { hash: current })).status).toBe(200);
    await eventually(() => slack.homeViews.get(B)!.hash !== current, 10_000, 'the tab replaced');
  });

  it('the fake Slack refuses a Home tab Slack would refuse', async () => {
    const refused = async (args: Record<string, unknown>) => (await bot.ctx.slack.apiCall('views.publish', args).catch((err: { data?: { error?: string } }) => err.data)) as { ok?: boolean; error?: string };
    const section = (i: number) => ({ type: 'section', text: { type: 'mrkdwn', text: `line ${i}` } });
    expect(await refused({ view: { type: 'home', blocks: [section(0)] } })).toMatchObject({ error: 'invalid_arguments' });
    expect(await refused({ user_id: A, view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [section(0)] } })).toMatchObject({ error: 'invalid_arguments' });
    expect(await refused({ user_id: A, view: { type: 'home', blocks: Array.from({ length: 101 }, (_, i) => section(i)) } })).toMatchObject({ error: 'invalid_arguments' });
    expect(await refused({ user_id: A, view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] } })).toMatchObject({ error: 'invalid_arguments' });
    expect(await refused({ user_id: A, hash: 'stale', view: { type: 'home', blocks: [section(0)] } })).toMatchObject({ error: 'hash_conflict' });
    const ok = await bot.ctx.slack.views.publish({ user_id: 'U0NEW0001', view: { type: 'home', blocks: Array.from({ length: 100 }, (_, i) => section(i)) } as never });
    expect(ok.ok).toBe(true);
    expect(slack.homeViews.get('U0NEW0001')?.view.blocks).toHaveLength(100);
  });
});
