// `/infra-agent simulate`: a synthetic alert goes through routing, the real diagnosis against
// moto_server and the policy decision, and the card comes back marked SIMULATION — with nothing
// stored, posted or executed. Through the real Bolt app with signed slash commands.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks } from '../../blocks/limits.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const APPROVER = 'U0AAA0001'; // test/fixtures/policies/e2e
const STRANGER = 'U0ZZZ9999';
const CHANNEL = 'C0PROD0001';

interface Answer { text: string; response_type: string; blocks?: { type: string; text?: { text: string }; elements?: { text?: string }[] }[] }
const allText = (a: Answer): string => [a.text, ...(a.blocks ?? []).flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text ?? '')])].join('\n');

describe.skipIf(skip)(`/infra-agent simulate${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let n = 0;

  async function command(userId: string, text: string): Promise<Answer> {
    const id = `sim-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId: CHANNEL, text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const answer = (await eventually(() => slack.responses.find((r) => r.id === id), 15_000, `answer to '${text}'`)).body as Answer;
    if (answer.blocks) expect(validateBlocks(answer.blocks)).toEqual([]);
    return answer;
  }
  const count = async (table: 'incidents' | 'evidence' | 'proposals' | 'executions') =>
    Number((await t.db.selectFrom(table as 'proposals').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    await seedAsg(url, { name: 'web-asg', min: 2, max: 12, desired: 4 });
    await putCpu(url, 'web-asg', [91, 95, 97, 94]);
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    if ('stop' in moto) await moto.stop();
  });

  it('shows the card a real HighCPU alert would get, marked SIMULATION, without buttons, storing and running nothing', async () => {
    const a = await command(APPROVER, 'simulate HighCPU env=prod autoscaling_group=web-asg severity=critical');
    expect(a.response_type).toBe('ephemeral');
    expect(a.text).toMatch(/^SIMULATION: /);
    const text = allText(a);
    expect(text).toContain('*SIMULATION*');
    expect(text).toContain('web-asg');
    expect(a.blocks?.some((b) => b.type === 'actions')).toBe(false);
    expect(a.blocks?.[0]?.text?.text).toContain('Nothing was stored, posted or executed');
    for (const table of ['incidents', 'evidence', 'proposals', 'executions'] as const) expect(await count(table), table).toBe(0);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
    const desired = (await new AutoScalingClient(awsClientConfig(url)).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
    expect(desired).toBe(4);
    const [row] = await t.db.selectFrom('audit_log').select(['actor', 'payload']).where('kind', '=', 'command.simulate').execute();
    expect(row).toMatchObject({ actor: `slack:${APPROVER}`, payload: { outcome: 'answered', environment: 'prod', action: 'scale-asg', requirement: 'one' } });
  });

  it('says why no card would be posted: no environment matches, or no rule', async () => {
    expect((await command(APPROVER, 'simulate HighCPU env=mars')).text).toContain('no card would be posted — no environment in the policy matches the labels');
    expect((await command(APPROVER, 'simulate "Disk Full" env=prod')).text).toContain("no policy rule matches alert 'Disk Full' in environment 'prod'");
  });

  it('refuses someone who may approve nothing, and malformed labels get usage', async () => {
    const refused = await command(STRANGER, 'simulate HighCPU env=prod autoscaling_group=web-asg');
    expect(refused.text).toContain('only an approver or an admin of the policy may simulate');
    const [row] = await t.db.selectFrom('audit_log').select(['actor', 'payload']).where('kind', '=', 'command.simulate').where('actor', '=', `slack:${STRANGER}`).execute();
    expect(row?.payload).toMatchObject({ outcome: 'refused' });
    const bad = await command(APPROVER, 'simulate HighCPU prod');
    expect(bad.text).toContain('`prod` is not `label=value`');
    expect(bad.text).toContain('*/infra-agent* — what this bot can do here:');
  });
});
