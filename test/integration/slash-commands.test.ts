// `/infra-agent` pause / resume / status / policy reload and SIGHUP, through the real Bolt app
// receiving signed slash commands, answering through response_url on the fake Slack server.
import { cp, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_POLICY, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const ADMIN = 'U0CCC0003'; // admins in the shipped policy
const APPROVER = 'U0AAA0001'; // an approver, not an admin
const STRANGER = 'U0ZZZ9999'; // neither

describe('/infra-agent kill switch and policy commands', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let policyDir: string;
  let n = 0;

  /** Sends the command and returns the text of the answer posted to its response_url. */
  async function command(userId: string, text: string): Promise<{ text: string; response_type: string }> {
    const id = `cmd-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId: 'C0PROD0001', text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const answer = await eventually(() => slack.responses.find((r) => r.id === id), 10_000, `answer to '${text}'`);
    return answer.body as { text: string; response_type: string };
  }
  const switchRows = () => t.db.selectFrom('kill_switch').select(['scope', 'name', 'paused', 'changed_by', 'reason']).orderBy('scope').orderBy('name').execute();

  beforeAll(async () => {
    // A copy, so the reload tests can break and mend it.
    policyDir = await mkdtemp(path.join(os.tmpdir(), 'infra-agent-policy-'));
    await cp(SHIPPED_POLICY, policyDir, { recursive: true });
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, policyPath: policyDir });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    await rm(policyDir, { recursive: true, force: true });
  });

  it('refuses a pause from someone who may approve nothing, and records the attempt', async () => {
    const answer = await command(STRANGER, 'pause all something looks wrong');
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toContain(`only an approver or an admin of the policy may pause (admins: ${ADMIN})`);
    expect(await switchRows()).toEqual([expect.objectContaining({ scope: 'auto', paused: true, changed_by: 'system' })]);
    const click = await t.db.selectFrom('clicks').selectAll().where('action_id', '=', 'command.pause').executeTakeFirstOrThrow();
    expect(click).toMatchObject({ slack_user: STRANGER, allowed: false, proposal_id: null });
  });

  it('lets an approver pull the brake, through a user group too, but only an admin may release it', async () => {
    slack.setUsergroup('S0SRE00001', ['U0GRP0001']);
    expect((await command('U0GRP0001', 'pause action scale-asg looks like a loop')).response_type).toBe('in_channel');
    expect((await command(APPROVER, 'resume action scale-asg fine now')).text).toContain(`only an admin of the policy may resume (admins: ${ADMIN})`);
    expect(await switchRows()).toContainEqual(expect.objectContaining({ scope: 'action', name: 'scale-asg', paused: true, changed_by: 'slack:U0GRP0001' }));
    expect((await command(ADMIN, 'resume action scale-asg checked')).text).toContain("resumed action 'scale-asg'");
  });

  it('an admin pauses an environment with a reason; the channel hears it and the audit chain holds it', async () => {
    const answer = await command(ADMIN, 'pause env prod <!channel> db failover in progress');
    expect(answer.response_type).toBe('in_channel');
    // The reason is untrusted text: escaped before it reaches Slack.
    expect(answer.text).toBe(`<@${ADMIN}> :double_vertical_bar: paused environment 'prod': &lt;!channel&gt; db failover in progress`);
    expect(await switchRows()).toContainEqual({ scope: 'environment', name: 'prod', paused: true, changed_by: `slack:${ADMIN}`, reason: '<!channel> db failover in progress' });
    const audit = await t.db.selectFrom('audit_log').select(['kind', 'actor', 'subject']).where('kind', '=', 'killswitch.paused').where('actor', '=', `slack:${ADMIN}`).execute();
    expect(audit).toEqual([{ kind: 'killswitch.paused', actor: `slack:${ADMIN}`, subject: 'killswitch:environment:prod' }]);
  });

  it('status lists every active pause with who and why', async () => {
    const answer = await command(APPROVER, 'status');
    expect(answer.text).toContain(`environment *prod* paused by <@${ADMIN}>`);
    expect(answer.text).toContain('&lt;!channel&gt; db failover in progress');
    expect(answer.text).toContain('*the auto tier* paused by system');
    expect(answer.text).toContain('whitelisted actions: scale-asg');
  });

  it('an admin resumes the environment and the auto tier', async () => {
    expect((await command(ADMIN, 'resume env prod failover done')).text).toContain("resumed environment 'prod'");
    expect((await command(ADMIN, 'resume auto reviewed the policy')).text).toContain('resumed the auto tier');
    expect((await switchRows()).filter((r) => r.paused)).toEqual([]);
    expect((await command(APPROVER, 'status')).text).toContain('nothing is paused');
  });

  it('rejects malformed commands with what was expected, and unknown names with what exists', async () => {
    expect((await command(ADMIN, 'pause all')).text).toContain('`pause` needs a reason');
    expect((await command(ADMIN, 'pause everything now')).text).toContain('`pause` needs what to pause: `all`, `auto`, `env &lt;name&gt;` or `action &lt;name&gt;`');
    expect((await command(ADMIN, 'pause env nowhere because')).text).toContain("environment 'nowhere' is not declared in the policy (declared: dev, staging, prod)");
    expect((await command(ADMIN, 'frobnicate')).text).toContain('unknown subcommand `frobnicate`');
    expect((await command(ADMIN, 'frobnicate')).text).toContain('*/infra-agent* — what this bot can do here:');
  });

  it('policy reload keeps the old policy when the new one has errors, and tells the admin every error', async () => {
    const actions = path.join(policyDir, '30-actions.yml');
    const good = await readFile(actions, 'utf8');
    await writeFile(actions, good.replace('max_step: 6', 'max_step: 6, mx: 1').replace('budget: { max: 4, per: 1h }', 'budget: { max: 4, per: soon }'));
    const before = bot.ctx.policy.current;
    const answer = await command(ADMIN, 'policy reload');
    expect(answer.text).toContain('The new policy has 2 error(s); the previous policy stays in force.');
    expect(answer.text).toContain("unknown key 'mx'");
    expect(answer.text).toContain('30-actions.yml:');
    expect(bot.ctx.policy.current).toBe(before);

    await writeFile(actions, good.replace('max: 20, max_step: 6', 'max: 12, max_step: 6'));
    expect((await command(APPROVER, 'policy reload')).text).toContain('only an admin of the policy may reload it');
    expect(bot.ctx.policy.current).toBe(before);
    expect((await command(ADMIN, 'policy reload')).text).toContain('Policy reloaded on this replica from');
    expect(bot.ctx.policy.current.actions['scale-asg']?.targets[0]?.max).toBe(12);
    const kinds = await t.db.selectFrom('audit_log').select('kind').where('kind', 'like', 'policy.%').orderBy('seq').execute();
    expect(kinds.map((k) => k.kind)).toEqual(['policy.reload-rejected', 'policy.reloaded']);
  });

  it('SIGHUP reloads a valid policy, and a broken one is sent to each admin by DM', async () => {
    const actions = path.join(policyDir, '30-actions.yml');
    const good = await readFile(actions, 'utf8');
    await writeFile(actions, good.replace('max: 12, max_step: 6', 'max: 14, max_step: 6'));
    // process.emit runs the listeners the bot registered without delivering a real signal.
    process.emit('SIGHUP', 'SIGHUP');
    await eventually(() => (bot.ctx.policy.current.actions['scale-asg']?.targets[0]?.max === 14 ? true : undefined), 10_000, 'policy reloaded on SIGHUP');

    await writeFile(actions, good.replace('executor: aws.autoscaling.set-desired-capacity', 'executor: aws.ec2.terminate-everything'));
    process.emit('SIGHUP', 'SIGHUP');
    const dm = await slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN, 10_000);
    expect(String(dm.body.text)).toContain("executor 'aws.ec2.terminate-everything' which is not known");
    expect(String(dm.body.text)).toContain('the previous policy stays in force');
    expect(bot.ctx.policy.current.actions['scale-asg']?.targets[0]?.max).toBe(14);
  });
});
