import type { App } from '@slack/bolt';
import { z } from 'zod';
import { appHomeView } from '../../../blocks/app-home.ts';
import type { AppContext } from '../../context.ts';
import { readAppHome } from '../app-home-data.ts';

// Only the fields the Home tab needs; the previous view Slack sends along is ignored.
export const HomeOpened = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  tab: z.string().max(32).optional(),
});

/** Reads and publishes one person's Home tab; a Slack error is logged by its code only. */
export async function publishHome(ctx: AppContext, userId: string): Promise<void> {
  const view = appHomeView(await readAppHome(ctx, userId));
  await ctx.slack.views.publish({ user_id: userId, view });
}

const slackError = (err: unknown): string => (err as { data?: { error?: string } }).data?.error ?? (err instanceof Error ? err.message : String(err));

/**
 * The Home tab is re-published each time someone opens it, so it is as fresh as that moment;
 * nothing refreshes it in between. Bolt acknowledges Events API requests before listeners run.
 * Status is open to everyone (as `/infra-agent status`); the pending list is the viewer's own.
 * A Slack retry of the event only publishes the same tab again.
 */
export function registerAppHome(app: App, ctx: AppContext): void {
  app.event('app_home_opened', async ({ event }) => {
    const opened = HomeOpened.safeParse(event);
    if (!opened.success || opened.data.tab !== 'home') return;
    const user = opened.data.user;
    await publishHome(ctx, user).catch((err: unknown) => ctx.log.error({ user, error: slackError(err) }, 'could not publish the Home tab'));
  });
}
