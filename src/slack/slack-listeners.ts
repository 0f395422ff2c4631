import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Conversation } from '../conversation/conversation.ts';
import { decisionOf } from '../conversation/approval.ts';
import { routeActionIds, type RouteChoice } from '../conversation/route-decision.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { TaskStore } from '../tasks/task-store.ts';
import type { BackgroundWork } from './background-work.ts';
import { appMentionSchema, blockActionSchema, payloadProblem, slashCommandSchema, threadMessageSchema } from './slack-payloads.ts';

export interface ListenerDependencies {
  conversation: Conversation;
  tasks: TaskStore;
  background: BackgroundWork;
  logger: Logger;
}

function ephemeral(respond: RespondFn) {
  return async (text: string) => {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}

function ephemeralMessage(client: WebClient, channel: string, user: string, threadTs?: string) {
  return async (text: string) => {
    await client.chat.postEphemeral({ channel, user, text, thread_ts: threadTs });
  };
}

const routeChoices = new Map<string, RouteChoice>(
  Object.entries(routeActionIds).map(([choice, actionId]) => [actionId, choice as RouteChoice]),
);

/**
 * Every Slack entry point: ack first (well under Slack's 3 s, whatever the models are
 * doing), then the work runs in the background. Events seen before (Slack retries carry
 * the same `event_id`) are dropped.
 */
export function registerSlackListeners(app: App, dependencies: ListenerDependencies): void {
  const { conversation, tasks, background, logger } = dependencies;

  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await tasks.claimEvent(`slack:${eventId}`))) {
      logger.info({ eventId }, 'duplicate Slack event dropped');
      return;
    }
    await next();
  });

  app.command('/tandem', async ({ command, ack, respond }) => {
    await ack();
    const parsed = slashCommandSchema.safeParse(command);
    const reply = ephemeral(respond);
    if (!parsed.success) {
      logger.warn({ problem: payloadProblem(parsed.error) }, 'unreadable slash command');
      await reply(`tandem could not read that command (${payloadProblem(parsed.error)}).`);
      return;
    }
    const input = parsed.data;
    background.run(
      'slash command',
      () => conversation.command({ text: input.text, user: input.user_id, channel: input.channel_id, replyPrivately: reply }),
      (error) => reply(`Something went wrong: ${describeError(error)}`),
    );
  });

  app.event('app_mention', async ({ event, client }) => {
    const parsed = appMentionSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn({ problem: payloadProblem(parsed.error) }, 'unreadable app_mention');
      return;
    }
    const mention = parsed.data;
    // A mention inside a task's thread also arrives as a message event: that one is the follow-up.
    if (mention.thread_ts && (await tasks.findByThread(mention.channel, mention.thread_ts))) return;
    const reply = ephemeralMessage(client, mention.channel, mention.user, mention.thread_ts);
    background.run(
      'mention',
      () =>
        conversation.command({
          text: mention.text,
          user: mention.user,
          channel: mention.channel,
          messageTs: mention.thread_ts ?? mention.ts,
          replyPrivately: reply,
        }),
      (error) => reply(`Something went wrong: ${describeError(error)}`),
    );
  });

  app.event('message', async ({ event, client }) => {
    const parsed = threadMessageSchema.safeParse(event);
    if (!parsed.success) return; // not a person's reply in a thread
    const message = parsed.data;
    const reply = ephemeralMessage(client, message.channel, message.user, message.thread_ts);
    background.run('thread reply', () =>
      conversation.threadReply({ channel: message.channel, threadTs: message.thread_ts, user: message.user, text: message.text, replyPrivately: reply }),
    );
  });

  app.action(/^tandem_/, async ({ body, ack, respond }) => {
    await ack();
    const parsed = blockActionSchema.safeParse(body);
    const reply = ephemeral(respond);
    if (!parsed.success) {
      logger.warn({ problem: payloadProblem(parsed.error) }, 'unreadable button click');
      return;
    }
    const click = parsed.data;
    const action = click.actions[0]!;
    const channel = click.channel?.id ?? click.container.channel_id;
    const messageTs = click.message?.ts ?? click.container.message_ts;
    if (!channel || !messageTs) return;
    const base = { user: click.user.id, channel, messageTs, replyPrivately: reply };
    const choice = routeChoices.get(action.action_id);
    if (choice) {
      background.run('route click', () => conversation.routeClick({ ...base, choice, taskId: action.value }));
      return;
    }
    const decision = decisionOf(action.action_id);
    if (decision) {
      background.run('decision click', () => conversation.decisionClick({ ...base, decision, value: action.value }));
    }
  });
}
