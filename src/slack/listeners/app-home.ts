import type { App } from '@slack/bolt';
import { z } from 'zod';
import { appHomeView } from '../../../blocks/app-home.ts';
import type { AppContext } from '../../context.ts';
import { readAppHome } from '../app-home-data.ts';

// Only the fields the Home tab needs; of the previous view Slack sends along, only its hash.
export const HomeOpened = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  tab: z.string().max(32).optional(),
  view: z.object({ hash: z.string().max(200).optional() }).optional(),
});

/**
 * Reads and publishes one person's Home tab. With the hash of the view the person has open, Slack
 * refuses the publish (hash_conflict) if a newer one went out meanwhile, so a slow build never
 * overwrites a fresher tab.
 */
export async function publishHome(ctx: AppContext, userId: string, previousHash?: string): Promise<void> {
  const view = appHomeView(await readAppHome(ctx, userId));
  await ctx.slack.views.publish({ user_id: userId, view, ...(previousHash ? { hash: previousHash } : {}) });
}

const slackError = (err: unknown): string => (err as { data?: { error?: string } }).data?.error ?? (err instanceof Error ? err.message : String(err));

/**
 * The Home tab is re-published each time someone opens it, so it is as fresh as that moment;
 * nothing refreshes it in between. Bolt acknowledges Events API requests before listeners run.
 * Status is open to everyone (as `/infra-agent status`); the pending list is the viewer's own.
 * A Slack retry of the event only publishes the same tab again.
 */
export function registerAppHome(app: App, ctx: AppContext): void {
  // One build per person at a time on this replica: opening the tab repeatedly (or a Slack retry)
  // while one is being built adds no work; the build in flight publishes what it read.
  const building = new Set<string>();
  app.event('app_home_opened', async ({ event }) => {
    const opened = HomeOpened.safeParse(event);
    if (!opened.success || opened.data.tab !== 'home') return;
    const user = opened.data.user;
    if (building.has(user)) return;
    building.add(user);
    try {
      await publishHome(ctx, user, opened.data.view?.hash).catch((err: unknown) => {
        const error = slackError(err);
        if (error === 'hash_conflict') ctx.log.debug({ user }, 'a newer Home tab was published meanwhile; this one is dropped');
        else ctx.log.error({ user, error }, 'could not publish the Home tab');
      });
    } finally {
      building.delete(user);
    }
  });
}
