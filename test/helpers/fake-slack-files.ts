// Slack's external file upload, as @slack/web-api's files.uploadV2 drives it: getUploadURLExternal
// hands out an upload URL and a file id, the bytes are POSTed there (multipart, field `body`), and
// completeUploadExternal shares the uploaded files, optionally into a thread. The fake refuses
// what would lose the file: completing an id it never issued, or one whose bytes did not all arrive.
export interface FakeFile {
  id: string;
  filename: string;
  /** Bytes declared in getUploadURLExternal. */
  length: number;
  altText: string | null;
  /** What arrived at the upload URL (null until then). */
  bytes: Buffer | null;
  /** Set by completeUploadExternal. */
  completed: { title: string | null; channel: string | null; threadTs: string | null; initialComment: string | null } | null;
}

type Body = Record<string, unknown>;
type Answer = Record<string, unknown> & { ok: boolean };

export interface FakeFiles {
  files: Map<string, FakeFile>;
  handle(method: string, body: Body, messageExists: (channel: string, ts: string) => boolean): Answer;
  /** Stores the bytes POSTed to an upload URL; false when the URL was never handed out. */
  receive(id: string, contentType: string | undefined, raw: Buffer): Promise<boolean>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function fakeFiles(uploadUrl: (id: string) => string): FakeFiles {
  const files = new Map<string, FakeFile>();
  let next = 1;
  return {
    files,
    handle(method, body, messageExists) {
      if (method === 'files.getUploadURLExternal') {
        const filename = str(body['filename']);
        const length = Number(body['length']);
        if (!filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(next++).padStart(9, '0')}`;
        files.set(id, { id, filename, length, altText: str(body['alt_text']), bytes: null, completed: null });
        return { ok: true, upload_url: uploadUrl(id), file_id: id };
      }
      if (method === 'files.completeUploadExternal') {
        const list = body['files'];
        if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'invalid_arguments' };
        const channel = str(body['channel_id']);
        const threadTs = str(body['thread_ts']);
        if (threadTs && (!channel || !messageExists(channel, threadTs))) return { ok: false, error: 'invalid_thread_ts' };
        const done: Record<string, unknown>[] = [];
        for (const item of list as { id?: unknown; title?: unknown }[]) {
          const file = typeof item.id === 'string' ? files.get(item.id) : undefined;
          if (!file || file.bytes === null || file.bytes.length !== file.length) return { ok: false, error: 'file_not_found' };
          file.completed = { title: str(item.title), channel, threadTs, initialComment: str(body['initial_comment']) };
          done.push({ id: file.id, name: file.filename, title: file.completed.title ?? file.filename, size: file.length, mimetype: file.filename.endsWith('.png') ? 'image/png' : 'application/octet-stream' });
        }
        return { ok: true, files: done };
      }
      return { ok: false, error: 'unknown_method' };
    },
    async receive(id, contentType, raw) {
      const file = files.get(id);
      if (!file) return false;
      if (contentType?.startsWith('multipart/form-data')) {
        // Parsed by the platform's own multipart reader, not by hand.
        const form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
        const part = form.get('body') ?? form.get('file');
        file.bytes = part instanceof Blob ? Buffer.from(await part.arrayBuffer()) : Buffer.from(String(part ?? ''), 'utf8');
      } else {
        file.bytes = raw;
      }
      return true;
    },
  };
}
