import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

describe('logger', () => {
  it('never writes tokens or secrets', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += chunk.toString(); cb(); } });
    const log = createLogger('info', sink);
    log.info({ SLACK_BOT_TOKEN: 'xoxb-real-token', headers: { authorization: 'Bearer hunter2' }, config: { WEBHOOK_TOKEN: 'wh-secret', GRAFANA_WEBHOOK_SECRET: 'graf-secret', GENERIC_WEBHOOK_SECRET: 'gen-secret' }, token: 'xoxp-1' }, 'boot');
    expect(out).toContain('boot');
    for (const secret of ['xoxb-real-token', 'hunter2', 'wh-secret', 'graf-secret', 'gen-secret', 'xoxp-1']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});
