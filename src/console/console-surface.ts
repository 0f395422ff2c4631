import type { Writable } from 'node:stream';
import type { Surface, SurfaceButton, SurfaceMessage, ThreadRef } from '../conversation/surface.ts';

/** A click the person can type: the button's label, for the newest message that offers it. */
export interface PendingChoice {
  button: SurfaceButton;
  channel: string;
  messageTs: string;
}

/** Slack mrkdwn → plain terminal text: `<url|label>` → `label (url)`, `*bold*` → `bold`, `<@U1>` → `@U1`. */
export function plainText(text: string): string {
  return text
    .replace(/<([a-z][a-z0-9+.-]*:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<@([^>|]+)>/g, '@$1')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/g, '$1$2');
}

/** What the console printed of a message, to tell what an edit changes (a new footnote alone is not news). */
interface PrintedMessage {
  text: string;
  items: string[];
  buttons: SurfaceButton[];
}

/**
 * The conversation's surface in a terminal (like Hubot's shell adapter): a task's header
 * and replies print as a tree; an edit (the status line, a persona's reply on its next
 * round) prints when it changes, with the list items it adds; buttons become words to
 * type; long attachments print their last lines.
 */
export class ConsoleSurface implements Surface {
  readonly #output: Writable;
  readonly #messages = new Map<string, PrintedMessage>();
  readonly #choices: PendingChoice[] = [];
  #counter = 0;
  #lastThread: string | undefined;

  constructor(output: Writable) {
    this.#output = output;
  }

  async post(channel: string, message: SurfaceMessage): Promise<string> {
    this.#write('');
    this.#lastThread = this.#print(channel, message, '');
    return this.#lastThread;
  }

  /** The newest task's thread: where `reply …` goes. */
  lastThread(): string | undefined {
    return this.#lastThread;
  }

  async reply(thread: ThreadRef, message: SurfaceMessage): Promise<string> {
    return this.#print(thread.channel, message, '  ├ ');
  }

  async update(channel: string, ts: string, message: SurfaceMessage): Promise<void> {
    const previous = this.#messages.get(ts);
    const printed = printedOf(message);
    if (previous && samePrint(previous, printed)) return;
    this.#messages.set(ts, printed);
    this.#forget(ts);
    this.#write(`  ⋯ ${plainText(message.text)}${message.context ? ` — ${plainText(message.context)}` : ''}`);
    for (const item of printed.items.filter((item) => !previous?.items.includes(item))) this.#write(`  │   • ${plainText(item)}`);
    this.#offer(channel, ts, printed.buttons);
  }

  async notify(input: { channel: string; user: string; text: string }): Promise<void> {
    this.#write(`  ! ${plainText(input.text)}`);
  }

  async link(): Promise<string | undefined> {
    return undefined;
  }

  mention(user: string): string {
    return `@${user}`;
  }

  /** The newest message's button with this label (case-insensitive), if one is waiting. */
  choice(label: string): PendingChoice | undefined {
    const wanted = label.trim().toLowerCase();
    return [...this.#choices].reverse().find((choice) => choice.button.label.toLowerCase() === wanted);
  }

  /** Prints a line of its own (prompts, private answers). */
  say(text: string): void {
    this.#write(plainText(text));
  }

  #print(channel: string, message: SurfaceMessage, prefix: string): string {
    this.#counter += 1;
    const ts = `${Math.floor(Date.now() / 1000)}.${String(this.#counter).padStart(6, '0')}`;
    const printed = printedOf(message);
    this.#messages.set(ts, printed);
    const body = prefix === '' ? '' : '  │   ';
    const lines = plainText(message.text).split('\n');
    this.#write(`${prefix}${lines[0]}`);
    for (const line of lines.slice(1)) this.#write(`${body}${line}`);
    for (const item of message.items ?? []) this.#write(`${body}• ${plainText(item)}`);
    if (message.context) this.#write(`${body}${plainText(message.context)}`);
    if (message.attachment) {
      const tail = message.attachment.content.split('\n').slice(-20);
      this.#write(`${body}${message.attachment.title} (last ${tail.length} lines):`);
      for (const line of tail) this.#write(`${body}  ${line}`);
    }
    this.#offer(channel, ts, printed.buttons);
    return ts;
  }

  #offer(channel: string, messageTs: string, buttons: SurfaceButton[]): void {
    if (buttons.length === 0) return;
    for (const button of buttons) this.#choices.push({ button, channel, messageTs });
    this.#write(`  │   type: ${buttons.map((button) => button.label.toLowerCase()).join(' / ')}`);
  }

  #forget(messageTs: string): void {
    for (let index = this.#choices.length - 1; index >= 0; index -= 1) {
      if (this.#choices[index]!.messageTs === messageTs) this.#choices.splice(index, 1);
    }
  }

  #write(line: string): void {
    this.#output.write(`${line}\n`);
  }
}

function printedOf(message: SurfaceMessage): PrintedMessage {
  return { text: message.text, items: message.items ?? [], buttons: message.buttons ?? [] };
}

function samePrint(first: PrintedMessage, second: PrintedMessage): boolean {
  return (
    first.text === second.text &&
    first.items.join('\n') === second.items.join('\n') &&
    first.buttons.length === second.buttons.length
  );
}
