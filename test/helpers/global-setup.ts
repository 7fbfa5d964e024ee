import { chmod, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/store/embedded.ts';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server-level URL; each test file creates its own database on it. */
    pgServerUrl: string;
  }
}

// One Postgres per test run: the machine's (TEST_DATABASE_URL) or an embedded server.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('pgServerUrl', external);
    return async () => undefined;
  }
  const dir = await mkdtemp(path.join(process.cwd(), '.test-data-'));
  // mkdtemp makes it 0700; the unprivileged postgres user (when we run as root) must traverse it.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres(dir, await freePort(), 'postgres');
  project.provide('pgServerUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
