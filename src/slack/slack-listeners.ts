import type { App, RespondFn } from '@slack/bolt';
import type { Conversation } from '../conversation/conversation.ts';
import type { PrivateReply } from '../conversation/conversation-context.ts';
import { decisionOf } from '../conversation/approval.ts';
import { routeActionIds, type RouteChoice } from '../conversation/route-decision.ts';
import { describeError } from '../errors.ts';
import { redactSecrets } from '../guardrail/redact-secrets.ts';
import type { Logger } from '../logger.ts';
import type { TaskStore } from '../tasks/task-store.ts';
import type { BackgroundWork } from './background-work.ts';
import { appMentionSchema, blockActionSchema, eventIdSchema, payloadProblem, slashCommandSchema, threadMessageSchema } from './slack-payloads.ts';

export interface ListenerDependencies {
  conversation: Conversation;
  tasks: TaskStore;
  background: BackgroundWork;
  logger: Logger;
}

/** A private answer through the command's or the click's `response_url`. */
function ephemeral(respond: RespondFn): PrivateReply {
  return async (text: string) => {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}

/** A private answer to an event (a mention, a thread reply): an ephemeral message, spaced like every write. */
function ephemeralMessage(conversation: Conversation, channel: string, user: string, threadTs?: string): PrivateReply {
  return (text: string) => conversation.context.surface.notify({ channel, user, text, threadTs });
}

/** What the person is told when the work behind their command, reply or click fails. */
export function failureNotice(what: string, error: unknown): string {
  return `⚠️ tandem could not ${what}: ${redactSecrets(describeError(error)).text}. Nothing else changed; try again in a moment, and if it keeps failing ask a human lead to run \`tandem doctor\`.`;
}

function tellOnFailure(reply: PrivateReply, what: string): (error: unknown) => Promise<void> {
  return (error) => reply(failureNotice(what, error));
}

const routeChoices = new Map<string, RouteChoice>(
  Object.entries(routeActionIds).map(([choice, actionId]) => [actionId, choice as RouteChoice]),
);

/**
 * Every Slack entry point: ack first (well under Slack's 3 s, whatever the models are
 * doing), then the work runs in the background; when it fails, the person is told
 * privately. Events seen before (Slack's retries carry the same `event_id`, over HTTP
 * and Socket Mode alike) are dropped.
 */
export function registerSlackListeners(app: App, dependencies: ListenerDependencies): void {
  const { conversation, tasks, background, logger } = dependencies;

  app.use(async ({ body, next }) => {
    const event = eventIdSchema.safeParse(body);
    if (event.success && !(await tasks.claimEvent(`slack:${event.data.event_id}`))) {
      logger.info({ eventId: event.data.event_id }, 'duplicate Slack event dropped');
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
      tellOnFailure(reply, 'take that command'),
    );
  });

  app.event('app_mention', async ({ event }) => {
    const parsed = appMentionSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn({ problem: payloadProblem(parsed.error) }, 'unreadable app_mention');
      return;
    }
    const mention = parsed.data;
    // A mention inside a task's thread also arrives as a message event: that one is the follow-up.
    if (mention.thread_ts && (await tasks.findByThread(mention.channel, mention.thread_ts))) return;
    const reply = ephemeralMessage(conversation, mention.channel, mention.user, mention.thread_ts);
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
      tellOnFailure(reply, 'take that request'),
    );
  });

  app.event('message', async ({ event }) => {
    const parsed = threadMessageSchema.safeParse(event);
    if (!parsed.success) return; // not a person's reply in a thread
    const message = parsed.data;
    const reply = ephemeralMessage(conversation, message.channel, message.user, message.thread_ts);
    background.run(
      'thread reply',
      () => conversation.threadReply({ channel: message.channel, threadTs: message.thread_ts, user: message.user, text: message.text, replyPrivately: reply }),
      tellOnFailure(reply, 'pass your reply on to the team'),
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
      background.run('route click', () => conversation.routeClick({ ...base, choice, taskId: action.value }), tellOnFailure(reply, `act on your ${choice} click`));
      return;
    }
    const decision = decisionOf(action.action_id);
    if (decision) {
      background.run('decision click', () => conversation.decisionClick({ ...base, decision, value: action.value }), tellOnFailure(reply, `act on your ${decision} click`));
    }
  });
}
