import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { decisionOf } from '../conversation/approval.ts';
import type { Conversation } from '../conversation/conversation.ts';
import { helpText } from '../conversation/parse-command.ts';
import { routeActionIds, type RouteChoice } from '../conversation/route-decision.ts';
import { describeError } from '../errors.ts';
import type { BackgroundWork } from '../slack/background-work.ts';
import type { ConsoleSurface, PendingChoice } from './console-surface.ts';

export const consoleChannel = 'console';

export interface ConsoleInputOptions {
  input: Readable;
  surface: ConsoleSurface;
  conversation: Conversation;
  background: BackgroundWork;
  /** Who types: the console's one user, its human lead. */
  user: string;
  /** The thread a `reply …` goes to: the newest task's. */
  currentThread: () => Promise<string | undefined>;
  /** Ends the session as `quit` does (SIGINT, SIGTERM). */
  signal?: AbortSignal;
}

const routeChoices = new Map<string, RouteChoice>(
  Object.entries(routeActionIds).map(([choice, actionId]) => [actionId, choice as RouteChoice]),
);

export const consoleHelp = `${helpText('')}
Type a button's word (approve, reject, escalate, low, medium, high, decline) to click it; \`reply <text>\` answers in the newest task's thread; \`quit\` leaves.`;

/**
 * Reads the terminal line by line: a task, a command, a button's word, a reply to the
 * newest task, or `quit`. Resolves when the person quits or the input ends.
 */
export function readConsoleInput(options: ConsoleInputOptions): Promise<void> {
  const { surface, conversation, background, user } = options;
  const lines = createInterface({ input: options.input, terminal: false });
  let confirming: PendingChoice | undefined;
  const replyPrivately = async (text: string) => surface.say(text);

  // A message keeps its words until the conversation updates it, as a Slack message keeps
  // its buttons: a click that failed (a merge refused, git busy) can be typed again.
  const click = (choice: PendingChoice) => {
    const base = { user, channel: choice.channel, messageTs: choice.messageTs, replyPrivately };
    const route = routeChoices.get(choice.button.actionId);
    if (route) {
      background.run('route', () => conversation.routeClick({ ...base, choice: route, taskId: choice.button.value }));
      return;
    }
    const decision = decisionOf(choice.button.actionId);
    if (decision) background.run('decision', () => conversation.decisionClick({ ...base, decision, value: choice.button.value }));
  };

  return new Promise((resolve) => {
    lines.on('close', () => resolve());
    options.signal?.addEventListener('abort', () => lines.close(), { once: true });
    lines.on('line', (raw) => {
      const line = raw.trim();
      if (confirming) {
        const choice = confirming;
        confirming = undefined;
        if (/^y(es)?$/i.test(line)) click(choice);
        else surface.say('Not done.');
        return;
      }
      if (line === '') return;
      if (/^(quit|exit)$/i.test(line)) {
        lines.close();
        return;
      }
      if (/^help$/i.test(line)) {
        surface.say(consoleHelp);
        return;
      }
      const choice = surface.choice(line);
      if (choice) {
        if (choice.button.confirm) {
          confirming = choice;
          surface.say(`${choice.button.confirm.title} ${choice.button.confirm.text} [y/N]`);
        } else {
          click(choice);
        }
        return;
      }
      const reply = /^(?:reply\s+|>\s*)(.+)$/i.exec(line);
      if (reply) {
        background.run('reply', async () => {
          const threadTs = await options.currentThread();
          if (!threadTs) return surface.say('There is no task to reply to yet.');
          await conversation.threadReply({ channel: consoleChannel, threadTs, user, text: reply[1]!, replyPrivately });
        });
        return;
      }
      background.run(
        'command',
        () => conversation.command({ text: line, user, channel: consoleChannel, replyPrivately }),
        async (error) => surface.say(`Something went wrong: ${describeError(error)}`),
      );
    });
  });
}
