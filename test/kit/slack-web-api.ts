import { toSlackFile, toSlackMessage, type SlackIdentity, type SlackStore, type StoredFile } from './slack-store.ts';

/**
 * The loopback Slack's Web API methods: each takes the decoded parameters and answers the
 * JSON body Slack would (`{ ok: true, … }` or `{ ok: false, error }`), changing the store.
 */

export type Params = Record<string, unknown>;
export type MethodAnswer = Record<string, unknown> & { ok: boolean };

export interface LoopbackUser {
  name?: string;
  realName?: string;
  isBot?: boolean;
  tz?: string;
}

export interface WebApiContext {
  store: SlackStore;
  identity: SlackIdentity;
  /** Users users.info knows besides synthesized ones (any id starting with U or W). */
  users: Record<string, LoopbackUser>;
  /** `http://127.0.0.1:PORT`, for upload URLs. */
  origin(): string;
  /** A fresh Socket Mode URL (with a new ticket), for apps.connections.open. */
  issueSocketUrl(): string;
}

/** Token rules: which tokens the loopback accepts. */
export interface TokenRules {
  /** Valid bot tokens; default: any `xoxb-` token. */
  botTokens?: readonly string[];
  /** Valid app-level tokens for apps.connections.open; default: any `xapp-` token. */
  appTokens?: readonly string[];
}

/** The Slack error for a call made with `token`, or undefined when the token may call `method`. */
export function tokenError(method: string, token: string | undefined, rules: TokenRules): string | undefined {
  if (!token) return 'not_authed';
  if (method === 'apps.connections.open') {
    if (!token.startsWith('xapp-')) return 'not_allowed_token_type';
    return !rules.appTokens || rules.appTokens.includes(token) ? undefined : 'invalid_auth';
  }
  if (token.startsWith('xapp-')) return 'not_allowed_token_type';
  if (rules.botTokens) return rules.botTokens.includes(token) ? undefined : 'invalid_auth';
  return token.startsWith('xoxb-') ? undefined : 'invalid_auth';
}

/** The bot scopes tandem's manifest.yml asks for: what the loopback grants a bot token by default. */
export const defaultBotScopes: readonly string[] = [
  'app_mentions:read',
  'channels:history',
  'groups:history',
  'chat:write',
  'commands',
  'files:write',
];

/**
 * The `x-oauth-scopes` header Slack sends with an accepted call: the scopes granted to the
 * token that made it (`botScopes` for a bot token, `connections:write` for an app-level token).
 */
export function scopesHeader(token: string | undefined, botScopes: readonly string[]): Record<string, string> {
  if (!token) return {};
  return { 'x-oauth-scopes': token.startsWith('xapp-') ? 'connections:write' : botScopes.join(',') };
}

const fail = (error: string, extra: Record<string, unknown> = {}): MethodAnswer => ({ ok: false, error, ...extra });

function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function arrayParam(params: Params, name: string): unknown[] | undefined {
  const value = params[name];
  return Array.isArray(value) ? value : undefined;
}

/** Slack's Block Kit limits that matter to tandem: 50 blocks, 3,000 characters a section text. */
function blockErrors(blocks: unknown[] | undefined): string[] {
  if (!blocks) return [];
  const errors: string[] = [];
  if (blocks.length > 50) errors.push(`must be less than 51 items [json-pointer:/blocks] (got ${blocks.length})`);
  blocks.forEach((block, index) => {
    const shaped = block as { type?: unknown; text?: { text?: unknown } } | null;
    if (typeof shaped?.type !== 'string') errors.push(`missing required field: type [json-pointer:/blocks/${index}]`);
    const text = shaped?.text?.text;
    if (shaped?.type === 'section' && typeof text === 'string' && text.length > 3000) {
      errors.push(`must be less than 3001 characters [json-pointer:/blocks/${index}/text]`);
    }
  });
  return errors;
}

function messageContent(params: Params): { text?: string; blocks?: unknown[]; attachments?: unknown[]; error?: MethodAnswer } {
  const blocks = arrayParam(params, 'blocks');
  const errors = blockErrors(blocks);
  if (errors.length > 0) {
    return { error: fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((error) => `[ERROR] ${error}`) } }) };
  }
  const text = typeof params.text === 'string' ? params.text : undefined;
  if (text !== undefined && text.length > 40_000) return { error: fail('msg_too_long') };
  return { text, blocks, attachments: arrayParam(params, 'attachments') };
}

function userInfo(context: WebApiContext, id: string): Record<string, unknown> | undefined {
  const known = context.users[id];
  const isBot = id === context.identity.botUserId;
  if (!known && !isBot && !/^[UW][A-Z0-9]+$/i.test(id)) return undefined;
  const name = known?.name ?? (isBot ? context.identity.botName : id.toLowerCase());
  const realName = known?.realName ?? name;
  return {
    id,
    team_id: context.identity.teamId,
    name,
    real_name: realName,
    deleted: false,
    is_bot: known?.isBot ?? isBot,
    tz: known?.tz ?? 'Europe/Paris',
    profile: { real_name: realName, display_name: name },
  };
}

type Handler = (params: Params, context: WebApiContext) => MethodAnswer;

const handlers: Record<string, Handler> = {
  'api.test': (params) => ({ ok: true, args: params }),

  'auth.test': (_params, { identity }) => ({
    ok: true,
    url: `https://${identity.teamDomain}.slack.com/`,
    team: identity.teamName,
    user: identity.botName,
    team_id: identity.teamId,
    user_id: identity.botUserId,
    bot_id: identity.botId,
    is_enterprise_install: false,
  }),

  'apps.connections.open': (_params, context) => ({ ok: true, url: context.issueSocketUrl() }),

  'users.info': (params, context) => {
    const user = userInfo(context, stringParam(params, 'user') ?? '');
    return user ? { ok: true, user } : fail('user_not_found');
  },

  'chat.postMessage': (params, { store, identity }) => {
    const channel = stringParam(params, 'channel');
    if (!channel) return fail('channel_not_found');
    const content = messageContent(params);
    if (content.error) return content.error;
    if (!content.text && !content.blocks && !content.attachments) return fail('no_text');
    const message = store.add({
      channel,
      threadTs: stringParam(params, 'thread_ts'),
      user: identity.botUserId,
      botId: identity.botId,
      text: content.text ?? '',
      blocks: content.blocks,
      attachments: content.attachments,
      metadata: params.metadata,
    });
    return { ok: true, channel, ts: message.ts, message: toSlackMessage(message, store) };
  },

  'chat.update': (params, { store }) => {
    const channel = stringParam(params, 'channel');
    const message = store.find(channel ?? '', stringParam(params, 'ts') ?? '');
    if (!channel || !message) return fail('message_not_found');
    if (message.botId === undefined) return fail('cant_update_message');
    const content = messageContent(params);
    if (content.error) return content.error;
    if (content.text !== undefined) message.text = content.text;
    if (params.blocks !== undefined) message.blocks = content.blocks?.length ? content.blocks : undefined;
    if (params.attachments !== undefined) message.attachments = content.attachments;
    message.history.push({ text: message.text, blocks: message.blocks, at: Date.now() });
    message.editedTs = store.nextTs();
    return { ok: true, channel, ts: message.ts, text: message.text, message: toSlackMessage(message, store) };
  },

  'chat.postEphemeral': (params, { store }) => {
    const channel = stringParam(params, 'channel');
    const user = stringParam(params, 'user');
    if (!channel) return fail('channel_not_found');
    if (!user) return fail('user_not_in_channel');
    const content = messageContent(params);
    if (content.error) return content.error;
    if (!content.text && !content.blocks && !content.attachments) return fail('no_text');
    const ts = store.nextTs();
    store.ephemerals.push({
      channel,
      user,
      ts,
      threadTs: stringParam(params, 'thread_ts'),
      text: content.text ?? '',
      blocks: content.blocks,
      at: Date.now(),
    });
    return { ok: true, message_ts: ts };
  },

  'chat.delete': (params, { store }) => {
    const channel = stringParam(params, 'channel') ?? '';
    const message = store.find(channel, stringParam(params, 'ts') ?? '');
    if (!message) return fail('message_not_found');
    if (message.botId === undefined) return fail('cant_delete_message');
    message.deleted = true;
    return { ok: true, channel, ts: message.ts };
  },

  'chat.getPermalink': (params, { store, identity }) => {
    const channel = stringParam(params, 'channel') ?? '';
    const message = store.find(channel, stringParam(params, 'message_ts') ?? '');
    if (!message) return fail('message_not_found');
    const permalink = `https://${identity.teamDomain}.slack.com/archives/${channel}/p${message.ts.replace('.', '')}`;
    return { ok: true, channel, permalink };
  },

  'reactions.add': (params, { store, identity }) => {
    const name = stringParam(params, 'name');
    if (!name) return fail('invalid_name');
    const message = store.find(stringParam(params, 'channel') ?? '', stringParam(params, 'timestamp') ?? '');
    if (!message) return fail('message_not_found');
    const reaction = message.reactions.find((existing) => existing.name === name);
    if (reaction?.users.includes(identity.botUserId)) return fail('already_reacted');
    if (reaction) reaction.users.push(identity.botUserId);
    else message.reactions.push({ name, users: [identity.botUserId] });
    return { ok: true };
  },

  'reactions.remove': (params, { store, identity }) => {
    const message = store.find(stringParam(params, 'channel') ?? '', stringParam(params, 'timestamp') ?? '');
    if (!message) return fail('message_not_found');
    const reaction = message.reactions.find((existing) => existing.name === stringParam(params, 'name'));
    if (!reaction?.users.includes(identity.botUserId)) return fail('no_reaction');
    reaction.users = reaction.users.filter((user) => user !== identity.botUserId);
    message.reactions = message.reactions.filter((existing) => existing.users.length > 0);
    return { ok: true };
  },

  'conversations.replies': (params, { store }) => {
    const channel = stringParam(params, 'channel') ?? '';
    const message = store.find(channel, stringParam(params, 'ts') ?? '');
    if (!message) return fail('thread_not_found');
    const thread = store.thread(channel, message.threadTs ?? message.ts);
    const messages = thread.map((entry) => toSlackMessage(entry, store));
    return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } };
  },

  'conversations.history': (params, { store }) => {
    const channel = stringParam(params, 'channel') ?? '';
    const messages = store.messages
      .filter((message) => message.channel === channel && !message.deleted)
      .filter((message) => message.threadTs === undefined || message.threadTs === message.ts)
      .reverse()
      .map((message) => toSlackMessage(message, store));
    return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } };
  },

  'files.getUploadURLExternal': (params, context) => {
    const filename = stringParam(params, 'filename');
    const length = Number(params.length);
    if (!filename || !Number.isInteger(length) || length < 0) return fail('invalid_arguments');
    const id = `F${String(context.store.files.size + 1).padStart(8, '0')}`;
    context.store.files.set(id, {
      id,
      filename,
      length,
      content: Buffer.alloc(0),
      text: '',
      uploaded: false,
      completed: false,
      altText: stringParam(params, 'alt_text'),
      snippetType: stringParam(params, 'snippet_type'),
    });
    return { ok: true, upload_url: `${context.origin()}/upload/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (params, { store, identity }) => {
    const entries = arrayParam(params, 'files') as { id?: string; title?: string }[] | undefined;
    if (!entries?.length) return fail('invalid_arguments');
    const files: StoredFile[] = [];
    for (const entry of entries) {
      const file = store.files.get(entry.id ?? '');
      if (!file || !file.uploaded) return fail('file_not_found');
      files.push(file);
    }
    const channel = stringParam(params, 'channel_id');
    const threadTs = stringParam(params, 'thread_ts');
    const initialComment = stringParam(params, 'initial_comment');
    files.forEach((file, index) => {
      Object.assign(file, { completed: true, title: entries[index]?.title ?? file.title, channel, threadTs, initialComment });
    });
    if (channel) {
      store.add({
        channel,
        threadTs,
        user: identity.botUserId,
        botId: identity.botId,
        text: initialComment ?? '',
        blocks: arrayParam(params, 'blocks'),
        files,
      });
    }
    return { ok: true, files: files.map(toSlackFile) };
  },
};

/** Answers one Web API call (the token already checked). Unknown methods → `unknown_method`. */
export function callMethod(method: string, params: Params, context: WebApiContext): MethodAnswer {
  const handler = handlers[method];
  return handler ? handler(params, context) : fail('unknown_method');
}

/** Stores the bytes POSTed to a file's upload URL; false when the file id is unknown. */
export function acceptUpload(store: SlackStore, fileId: string, content: Buffer): boolean {
  const file = store.files.get(fileId);
  if (!file) return false;
  Object.assign(file, { content, text: content.toString('utf8'), uploaded: true });
  return true;
}
