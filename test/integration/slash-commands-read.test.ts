// `/infra-agent` status, history, explain and policy (read-only), and malformed input, through
// the real Bolt app receiving signed slash commands; answers arrive on the fake Slack's response_url.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks } from '../../blocks/limits.ts';
import { setProposalMessage } from '../../src/store/repos/proposals.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const APPROVER = 'U0AAA0001'; // test/fixtures/policies/e2e
const STRANGER = 'U0ZZZ9999';
const CHANNEL = 'C0PROD0001';

interface Answer { text: string; response_type: string; blocks?: { type: string; text?: { text: string }; elements?: { text?: string }[] }[] }
const allText = (a: Answer): string => [a.text, ...(a.blocks ?? []).flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text ?? '')])].join('\n');

describe('/infra-agent read-only subcommands', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let n = 0;
  let postedId: string;
  let pendingId: string;
  let permalink: string;

  async function command(userId: string, text: string): Promise<Answer> {
    const id = `read-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId: CHANNEL, text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const answer = (await eventually(() => slack.responses.find((r) => r.id === id), 10_000, `answer to '${text}'`)).body as Answer;
    // Whatever the answer, Slack would accept its blocks.
    if (answer.blocks) expect(validateBlocks(answer.blocks)).toEqual([]);
    return answer;
  }
  const auditRows = (kind: string) => t.db.selectFrom('audit_log').select(['actor', 'kind', 'subject', 'payload']).where('kind', '=', kind).orderBy('seq').execute();

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url });
    // A decided proposal whose card really is in the channel (so it has a permalink) …
    postedId = await seedProposal(t.db, { target: 'web-asg', params: { desiredCapacity: 8 }, observed: { desiredCapacity: 4 }, decidedBy: APPROVER });
    const posted = await bot.ctx.slack.chat.postMessage({ channel: CHANNEL, text: 'card' });
    await setProposalMessage(t.db, postedId, CHANNEL, posted.ts!);
    await t.db.updateTable('proposals').set({ outcome: 'web-asg desired capacity 4 → 8', created_at: new Date(Date.now() - 60_000) }).where('id', '=', postedId).execute();
    permalink = `https://fake.slack.com/archives/${CHANNEL}/p${posted.ts!.replace('.', '')}`;
    // … and a pending one on another target, whose card never made it to Slack (no link).
    pendingId = await seedProposal(t.db, { target: 'web-api-asg', params: { desiredCapacity: 6 }, state: 'pending' });
    // The circuit breakers demoted scale-asg in prod by one step.
    await t.db.insertInto('demotions').values({ action: 'scale-asg', environment: 'prod', level: 1, reasons: JSON.stringify([{ at: new Date().toISOString(), breaker: 'recurrence', reason: 'web-asg alerted again' }]), created_by: 'system' }).execute();
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  it('history lists recent proposals, newest first, with state, outcome, decider and thread link; ephemeral', async () => {
    const a = await command(STRANGER, 'history');
    expect(a.response_type).toBe('ephemeral');
    const text = allText(a);
    expect(text.indexOf('web-api-asg')).toBeGreaterThan(-1);
    expect(text.indexOf('web-api-asg')).toBeLessThan(text.indexOf('`web-asg`'));
    expect(text).toContain('*approved*');
    expect(text).toContain('outcome: web-asg desired capacity 4 → 8');
    expect(text).toContain(`decided by <@${APPROVER}>`);
    expect(text).toContain(`<${permalink}|thread (fake.slack.com)>`);
    expect(text).toContain('_no thread link_');
    expect(text).toContain(postedId);
    const [row] = await auditRows('command.history');
    expect(row).toMatchObject({ actor: `slack:${STRANGER}`, subject: 'command:history', payload: { outcome: 'answered', shown: 2, text: 'history', responseType: 'ephemeral' } });
  });

  it('history <target> narrows to that target; --post answers in the channel; an unknown target says so', async () => {
    const a = await command(APPROVER, 'history "web-asg" --post');
    expect(a.response_type).toBe('in_channel');
    expect(allText(a)).toContain(postedId);
    expect(allText(a)).not.toContain(pendingId);
    expect(allText(await command(APPROVER, 'history nothing-here'))).toContain('_no proposals for this target_');
  });

  it('explain shows the frozen hypothesis, requirement, approvers and policy trace, with the thread', async () => {
    // The seed records an empty trace; give it the step a real decision would record.
    const trace = JSON.stringify(["requirements.prod.resource is 'one' (20-requirements.yml:3)"]);
    await sql`UPDATE evidence SET snapshot = jsonb_set(snapshot, '{policy,trace}', ${trace}::jsonb) WHERE id = (SELECT evidence_id FROM proposals WHERE id = ${postedId})`.execute(t.db);
    const a = await command(STRANGER, `explain ${postedId}`);
    expect(a.response_type).toBe('ephemeral');
    const text = allText(a);
    expect(text).toContain(`*Proposal* \`${postedId}\`: *approved* by <@${APPROVER}>`);
    expect(text).toContain('*Hypothesis:* seeded');
    expect(text).toContain('*Requirement when proposed:* one · approvers: <@U0AAA0001>');
    expect(text).toContain("requirements.prod.resource is 'one' (20-requirements.yml:3)");
    expect(text).toContain(`<${permalink}|card thread (fake.slack.com)>`);
    expect(text).toContain('nothing was re-computed');
    expect((await command(STRANGER, `explain ${pendingId} --post`)).response_type).toBe('in_channel');
  });

  it('explain refuses a missing or malformed id with what was expected', async () => {
    expect((await command(APPROVER, 'explain 00000000-0000-4000-8000-000000000000')).text).toContain('No proposal has the id `00000000-0000-4000-8000-000000000000`');
    const bad = await command(APPROVER, 'explain 12; drop table proposals');
    expect(bad.text).toContain('`explain` needs one proposal id');
    expect(bad.text).toContain('*/infra-agent* — what this bot can do here:');
    expect((await auditRows('command.explain')).map((r) => (r.payload as { outcome: string }).outcome)).toEqual(['answered', 'answered', 'not-found']);
    expect(await auditRows('command.invalid')).toContainEqual(expect.objectContaining({ actor: `slack:${APPROVER}`, payload: expect.objectContaining({ outcome: 'malformed', text: 'explain 12; drop table proposals' }) }));
  });

  it('policy shows the effective matrix with the demotion applied, and the actions with their bounds', async () => {
    const a = await command(STRANGER, 'policy');
    const text = allText(a);
    expect(a.response_type).toBe('ephemeral');
    expect(text).toContain('*Environment prod (<#C0PROD0001>, production)*');
    expect(text).toContain('• `scale-asg` (resource): ~one~ → *two* — demoted 1 step(s) by the circuit breakers');
    // Undemoted elsewhere: the dev cell is still auto.
    expect(text).toContain('*Environment dev');
    expect(text).toMatch(/dev[^*]*\*\n• `scale-asg` \(resource\): \*auto\*/);
    expect(text).toContain('• `scale-asg` — `aws.autoscaling.set-desired-capacity`, blast radius resource, reversible, budget 4/1h; targets: asg `web-*` [min 2, max 20, step ≤ 6]');
  });

  it('policy <env> shows one environment; an undeclared one is named with what exists; --post posts', async () => {
    const a = await command(APPROVER, 'policy staging --post');
    expect(a.response_type).toBe('in_channel');
    expect(allText(a)).toContain('Environment staging');
    expect(allText(a)).not.toContain('Environment prod');
    expect((await command(APPROVER, 'policy nowhere')).text).toContain("environment 'nowhere' is not declared in the policy (declared: dev, staging, prod)");
  });

  it('status adds the open proposals and the freezes to pauses and demotions', async () => {
    const a = await command(STRANGER, 'status');
    expect(a.response_type).toBe('ephemeral');
    expect(a.text).toContain('*Open proposals (2)*');
    expect(a.text).toContain(`\`scale-asg\` on \`web-api-asg\` (prod) — *pending*, needs one`);
    expect(a.text).toContain('*Freezes*\n• none open now');
    expect(a.text).toContain('*Circuit breaker demotions*');
    expect((await command(STRANGER, 'status --post')).response_type).toBe('in_channel');
  });

  it('quoted reasons survive whole; unbalanced quotes and unknown subcommands get usage, audited', async () => {
    const a = await command(APPROVER, 'pause action scale-asg "web-asg loops: don\'t scale"');
    expect(a.text).toContain("paused action 'scale-asg': web-asg loops: don't scale");
    const row = await t.db.selectFrom('kill_switch').select('reason').where('scope', '=', 'action').where('name', '=', 'scale-asg').executeTakeFirstOrThrow();
    expect(row.reason).toBe("web-asg loops: don't scale");
    const unbalanced = await command(APPROVER, 'pause all "half open');
    expect(unbalanced.text).toContain('unbalanced quote: the " at character 11');
    expect(unbalanced.text).toContain('*/infra-agent* — what this bot can do here:');
    expect(await t.db.selectFrom('kill_switch').select('scope').where('scope', '=', 'global').where('paused', '=', true).execute()).toEqual([]);
    expect((await command(STRANGER, 'frobnicate --post')).text).toContain('unknown subcommand `frobnicate`');
    expect((await auditRows('command.pause')).at(-1)).toMatchObject({ actor: `slack:${APPROVER}`, payload: { outcome: 'changed' } });
  });
});
