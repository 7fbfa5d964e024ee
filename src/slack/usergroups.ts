import { ErrorCode, type WebClient } from '@slack/web-api';

export type Members = { ok: true; users: string[] } | { ok: false; error: string };

/** Who is in a Slack user group right now (cached briefly). */
export interface UsergroupDirectory {
  members(usergroup: string): Promise<Members>;
}

// Short enough that removing someone from the on-call group takes effect within minutes, long
// enough that a burst of clicks does not hit the Tier 2 limit (~20 calls a minute).
export const USERGROUP_CACHE_MS = 2 * 60_000;

/**
 * `usergroups.users.list`, cached per group. Give it a client that does not retry or wait out
 * rate limits: someone is waiting on the click. Failures are not cached: the next click asks again,
 * and until an answer comes the group approves nobody (the caller fails closed).
 */
export function createUsergroupDirectory(client: WebClient, now: () => Date = () => new Date()): UsergroupDirectory {
  const cache = new Map<string, { users: string[]; until: number }>();
  return {
    async members(usergroup) {
      const hit = cache.get(usergroup);
      if (hit && hit.until > now().getTime()) return { ok: true, users: hit.users };
      try {
        const res = await client.usergroups.users.list({ usergroup });
        const users = res.users ?? [];
        cache.set(usergroup, { users, until: now().getTime() + USERGROUP_CACHE_MS });
        return { ok: true, users };
      } catch (err) {
        if ((err as { code?: unknown }).code === ErrorCode.RateLimitedError) return { ok: false, error: 'ratelimited' };
        const code = (err as { data?: { error?: string } }).data?.error;
        return { ok: false, error: code ?? (err as Error).message };
      }
    },
  };
}
