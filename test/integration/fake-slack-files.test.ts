// The fake Slack's file upload, driven by the real WebClient's files.uploadV2 (three calls: the
// upload URL, the bytes, the completion), so the digest's chart upload is tested against the flow
// the SDK really uses.
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});
afterEach(async () => {
  await fake.close();
});

// Every byte value, so a text decoding anywhere on the way would show.
const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

describe('fake Slack files.uploadV2', () => {
  it('receives the exact bytes and shares the file into the thread', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0SRE00001', text: 'digest' });
    const res = await client.files.uploadV2({ channel_id: 'C0SRE00001', thread_ts: parent.ts!, file: bytes, filename: 'chart.png', title: 'Chart', alt_text: 'a chart' });
    const id = (res as unknown as { files: { files: { id: string }[] }[] }).files[0]!.files[0]!.id;
    const stored = fake.files.get(id);
    expect(stored?.bytes?.equals(bytes)).toBe(true);
    expect(stored).toMatchObject({ filename: 'chart.png', length: 512, altText: 'a chart', completed: { title: 'Chart', channel: 'C0SRE00001', threadTs: parent.ts } });
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
  });

  it('refuses a thread that does not exist, and completing a file whose bytes never arrived', async () => {
    const err = await client.files.uploadV2({ channel_id: 'C0SRE00001', thread_ts: '999.000', file: bytes, filename: 'chart.png' }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'invalid_thread_ts' } });
    const url = await client.files.getUploadURLExternal({ filename: 'x.png', length: 10 });
    const never = await client.files.completeUploadExternal({ files: [{ id: url.file_id! }] }).then(() => null, (e: unknown) => e);
    expect(never).toMatchObject({ data: { error: 'file_not_found' } });
    const bad = await client.files.getUploadURLExternal({ filename: 'x.png', length: 0 }).then(() => null, (e: unknown) => e);
    expect(bad).toMatchObject({ data: { error: 'invalid_arguments' } });
  });
});
