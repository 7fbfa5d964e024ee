// `/infra-agent demotions`, `restore` and `status` through the real Bolt app (signed slash
// commands, answers on the fake Slack's response_url), and demotions holding across a restart.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoteOneStep } from '../../src/store/repos/demotions.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/breakers');
const ADMIN = 'U0CCC0003';
const APPROVER = 'U0AAA0001';

describe('/infra-agent demotions, restore and status', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let n = 0;

  async function command(userId: string, text: string): Promise<{ text: string; response_type: string }> {
    const id = `cmd-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId: 'C0PROD0001', text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const answer = await eventually(() => slack.responses.find((r) => r.id === id), 10_000, `answer to '${text}'`);
    return answer.body as { text: string; response_type: string };
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, policyPath: POLICY });
    await t.db.transaction().execute((trx) =>
      demoteOneStep(trx, { action: 'scale-asg', environment: 'prod', breaker: 'soft_limit', reason: '3 executions <!here> in 1h', by: 'system:breaker', at: new Date('2026-11-21T05:30:00Z') }),
    );
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  it('anyone lists the demotions, escaped', async () => {
    const answer = await command('U0ZZZ9999', 'demotions');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('*scale-asg* in *prod* demoted one step');
    expect(answer.text).toContain('3 executions &lt;!here&gt; in 1h');
  });

  it('status lists the active demotions after a restart (they are rows)', async () => {
    await bot.stop();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, policyPath: POLICY });
    const answer = await command(APPROVER, 'status');
    expect(answer.text).toContain('*Circuit breaker demotions*');
    expect(answer.text).toContain('*scale-asg* in *prod* demoted one step');
  });

  it('restore is refused for a non-admin (recorded as a denied click) and lifts for an admin (audited)', async () => {
    expect((await command(APPROVER, 'restore scale-asg prod looks fine')).text).toContain(`only an admin of the policy may lift a demotion (admins: ${ADMIN})`);
    expect(await t.db.selectFrom('clicks').select(['slack_user', 'allowed']).where('action_id', '=', 'command.restore').execute()).toEqual([{ slack_user: APPROVER, allowed: false }]);
    const ok = await command(ADMIN, 'restore scale-asg prod checked the scaling loop');
    expect(ok.response_type).toBe('in_channel');
    expect(ok.text).toContain('restored the autonomy of scale-asg in prod');
    const row = await t.db.selectFrom('demotions').select(['lifted_by', 'lift_reason']).executeTakeFirstOrThrow();
    expect(row).toEqual({ lifted_by: `slack:${ADMIN}`, lift_reason: 'checked the scaling loop' });
    expect((await command(APPROVER, 'demotions')).text).toContain('no action is demoted');
    expect((await command(ADMIN, 'restore scale-asg')).text).toContain('`restore` needs the action, the environment and a reason');
  });
});
