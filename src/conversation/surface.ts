/** Where a task's conversation lives: a channel and the parent message of its thread. */
export interface ThreadRef {
  channel: string;
  threadTs: string;
}

/** A button in a message; `actionId` routes the click, `value` names the task. */
export interface SurfaceButton {
  actionId: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
  /** A confirmation the person must accept before the click counts. */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/**
 * A message as the conversation logic writes it, before any surface renders it: Slack
 * turns it into Block Kit, the console into lines of text.
 */
export interface SurfaceMessage {
  /** The main text (Slack mrkdwn: `*bold*`, `_italic_`, `` `code` ``, `<url|label>`). */
  text: string;
  /** A list under the text (plan steps, review comments); long lists are cut. */
  items?: string[];
  /** A small footnote line. */
  context?: string;
  buttons?: SurfaceButton[];
  /** Long content (logs, diffs) attached as a file instead of inline. */
  attachment?: { filename: string; title: string; content: string };
}

/**
 * The small seam between the gateway's conversation logic and a chat surface (DESIGN §7):
 * Slack and the terminal console implement it, so both run the same intake, progress,
 * report and approval code.
 */
export interface Surface {
  /** Posts a message in a channel (a new thread's parent); returns its timestamp. */
  post(channel: string, message: SurfaceMessage): Promise<string>;
  /** Replies in a thread; returns the reply's timestamp. */
  reply(thread: ThreadRef, message: SurfaceMessage): Promise<string>;
  /** Edits a message in place. */
  update(channel: string, ts: string, message: SurfaceMessage): Promise<void>;
  /** Tells one person something only they see (Slack's ephemeral message). */
  notify(input: { channel: string; user: string; text: string; threadTs?: string }): Promise<void>;
  /** A link to a message, for the PR body's way back to the thread; undefined when the surface has none. */
  link(channel: string, ts: string): Promise<string | undefined>;
  /** How a user is mentioned in text on this surface (`<@U123>` on Slack). */
  mention(user: string): string;
}
