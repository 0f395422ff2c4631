/**
 * The loopback Slack's memory: who the bot is, the messages in each channel (with their
 * threads and edits), ephemeral messages and uploaded files. `slack-web-api.ts` changes it;
 * tests read it through `LoopbackSlack` (`slack-server.ts`).
 */

/** Who the loopback workspace, app and bot are. */
export interface SlackIdentity {
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
}

export const defaultIdentity: Readonly<SlackIdentity> = {
  teamId: 'T0TANDEM',
  teamDomain: 'tandem-loopback',
  teamName: 'Tandem Loopback',
  appId: 'A0TANDEM',
  botUserId: 'U0TANDEMBOT',
  botId: 'B0TANDEM',
  botName: 'tandem',
};

export interface StoredFile {
  id: string;
  filename: string;
  title?: string;
  /** The `length` announced to files.getUploadURLExternal. */
  length: number;
  /** The bytes POSTed to the upload URL (empty until then). */
  content: Buffer;
  /** `content` as UTF-8. */
  text: string;
  uploaded: boolean;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  altText?: string;
  snippetType?: string;
}

export interface MessageVersion {
  text: string;
  blocks?: unknown[];
  at: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** Set on replies (and on a parent once it has replies, as Slack does). */
  threadTs?: string;
  user: string;
  /** Set when the bot posted it. */
  botId?: string;
  /** The current text and blocks, after every chat.update. */
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  files?: StoredFile[];
  reactions: { name: string; users: string[] }[];
  /** The original post then each chat.update, oldest first. */
  history: MessageVersion[];
  /** The ts Slack stamps on the latest edit. */
  editedTs?: string;
  deleted: boolean;
}

export interface EphemeralMessage {
  channel: string;
  /** The only user who sees it. */
  user: string;
  /** `message_ts` answered by chat.postEphemeral. */
  ts: string;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  at: number;
}

/** Messages, ephemerals and files, with Slack's `ts` allocation. */
export class SlackStore {
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly files = new Map<string, StoredFile>();
  private sequence = 0;

  /** A fresh, strictly increasing Slack timestamp: "1700000000.000100", "1700000000.000200", … */
  nextTs(): string {
    this.sequence += 1;
    const micros = this.sequence * 100;
    const seconds = 1_700_000_000 + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** A live (not deleted) message. */
  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((message) => message.channel === channel && message.ts === ts && !message.deleted);
  }

  /** Adds a message at a fresh ts (marking its parent as a thread parent). */
  add(fields: Omit<StoredMessage, 'ts' | 'reactions' | 'history' | 'deleted'>): StoredMessage {
    const message: StoredMessage = {
      ...fields,
      ts: this.nextTs(),
      reactions: [],
      history: [{ text: fields.text, blocks: fields.blocks, at: Date.now() }],
      deleted: false,
    };
    if (message.threadTs !== undefined) {
      const parent = this.find(message.channel, message.threadTs);
      if (parent && parent.threadTs === undefined) parent.threadTs = parent.ts;
    }
    this.messages.push(message);
    return message;
  }

  /** The parent then its replies, in ts order (deleted ones left out). */
  thread(channel: string, threadTs: string): StoredMessage[] {
    return this.messages
      .filter((message) => message.channel === channel && !message.deleted)
      .filter((message) => message.ts === threadTs || message.threadTs === threadTs)
      .sort((first, second) => compareTs(first.ts, second.ts));
  }
}

export function compareTs(first: string, second: string): number {
  return Number(first) - Number(second);
}

/** A stored message in the shape Slack's API answers with (conversations.replies, chat.postMessage…). */
export function toSlackMessage(message: StoredMessage, store: SlackStore): Record<string, unknown> {
  const shaped: Record<string, unknown> = { type: 'message', ts: message.ts, user: message.user, text: message.text };
  if (message.botId !== undefined) shaped.bot_id = message.botId;
  if (message.blocks !== undefined) shaped.blocks = message.blocks;
  if (message.attachments !== undefined) shaped.attachments = message.attachments;
  if (message.metadata !== undefined) shaped.metadata = message.metadata;
  if (message.threadTs !== undefined) shaped.thread_ts = message.threadTs;
  if (message.files !== undefined) {
    shaped.files = message.files.map(toSlackFile);
    shaped.upload = true;
  }
  if (message.reactions.length > 0) {
    shaped.reactions = message.reactions.map(({ name, users }) => ({ name, users, count: users.length }));
  }
  if (message.editedTs !== undefined) shaped.edited = { user: message.user, ts: message.editedTs };
  if (message.threadTs === message.ts) {
    const replies = store.thread(message.channel, message.ts).slice(1);
    shaped.reply_count = replies.length;
    shaped.reply_users = [...new Set(replies.map((reply) => reply.user))];
    shaped.reply_users_count = (shaped.reply_users as string[]).length;
    shaped.latest_reply = replies.at(-1)?.ts;
  }
  return shaped;
}

/** A file in the shape Slack's API answers with. */
export function toSlackFile(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    name: file.filename,
    title: file.title ?? file.filename,
    size: file.content.length,
    filetype: file.snippetType ?? 'text',
    mimetype: 'text/plain',
    url_private: `https://files.slack.com/files-pri/${file.id}/${encodeURIComponent(file.filename)}`,
    alt_txt: file.altText,
  };
}
