import type { App } from '@slack/bolt';
import type { AppContext } from '../../context.ts';
import { answerThreadQuestion } from '../thread-answer.ts';
import { threadReply } from './thread-payload.ts';

/**
 * Replies in a proposal card's thread ("why?", "rollback?", …) get an answer in that thread.
 * Bolt acknowledges Events API requests before any listener runs, so there is no ack() here;
 * a failure is logged and the question goes unanswered rather than half-answered.
 */
export function registerThreadQuestions(app: App, ctx: AppContext): void {
  app.event('message', async ({ event, body, context }) => {
    const reply = threadReply(event, body);
    if (!reply) return;
    const question = { ...reply, botUserId: context.botUserId, retryNum: context.retryNum ?? null };
    await answerThreadQuestion(ctx, question).catch((err: unknown) => {
      ctx.log.error({ err, channel: reply.channel, threadTs: reply.threadTs, eventId: reply.eventId }, 'could not answer a thread question');
    });
  });
}
