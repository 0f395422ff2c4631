import { createHmac, randomBytes } from 'node:crypto';
import type { LoopbackSlack } from './slack-server.ts';
import type { EnvelopeType } from './slack-socket.ts';
import { defaultIdentity, type SlackIdentity } from './slack-store.ts';

/**
 * Delivers Slack's requests to the app the way Slack does: over HTTP to Bolt's
 * `/slack/events` (signed with the v0 scheme) or as Socket Mode envelopes through the
 * loopback Slack's WebSocket. Every method resolves once the app acked.
 */

/** Sends one signed request to the app and reads its whole answer (default: `fetch`). */
export type HttpPost = (url: string, headers: Record<string, string>, body: string) => Promise<{ status: number; text: string }>;

const fetchPost: HttpPost = async (url, headers, body) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
};

export type SlackDriverOptions =
  | { mode: 'http'; appUrl: string; signingSecret: string; server?: LoopbackSlack; identity?: Partial<SlackIdentity>; post?: HttpPost }
  | { mode: 'socket'; server: LoopbackSlack };

export interface Delivery {
  /** HTTP status, or 200 for a Socket Mode ack. */
  status: number;
  /** The HTTP response body (JSON parsed when it is JSON, undefined when empty) or the ack's payload. */
  body: unknown;
  elapsedMs: number;
  /** What was delivered (the slash command fields, the event_callback or the interactive payload). */
  payload: Record<string, unknown>;
}

/** HTTP mode only: a different `X-Slack-Request-Timestamp` (seconds) or `X-Slack-Signature`. */
export interface SigningOverrides {
  timestamp?: number;
  signature?: string;
}

export interface SlashCommandInput extends SigningOverrides {
  text: string;
  userId: string;
  channelId: string;
  command?: string;
  teamId?: string;
  userName?: string;
  channelName?: string;
  /** Default: a fresh `server.responseUrl()` when the driver has a server. */
  responseUrl?: string;
  triggerId?: string;
}

export interface EventOptions extends SigningOverrides {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
  /** Seconds since the epoch. */
  eventTime?: number;
}

export interface BlockActionInput extends SigningOverrides {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  messageTs: string;
  threadTs?: string;
  blockId?: string;
  responseUrl?: string;
  /** The clicked message's text; default its current text in the loopback store, if any. */
  messageText?: string;
}

export interface SlackDriver {
  slashCommand(input: SlashCommandInput): Promise<Delivery>;
  event(event: Record<string, unknown> & { type: string }, options?: EventOptions): Promise<Delivery>;
  blockAction(input: BlockActionInput): Promise<Delivery>;
}

/** Slack's v0 request signature: `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`) in hex. */
export function signSlackRequest(body: string, secret: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

const verificationToken = 'loopback-verification-token';
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const randomId = (length: number): string => randomBytes(length).toString('hex').toUpperCase().slice(0, length);
const triggerId = (): string => `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;

function parseResponseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Creates a driver for an app listening over HTTP (`appUrl`) or connected to `server`'s Socket Mode. */
export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  const server = options.server;
  const identity: SlackIdentity = {
    ...defaultIdentity,
    ...server?.identity,
    ...(options.mode === 'http' ? options.identity : undefined),
  };
  const defaultResponseUrl = (): string =>
    server?.responseUrl() ?? `https://hooks.slack.com/commands/${identity.teamId}/1/${randomId(24)}`;

  async function deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    overrides: SigningOverrides & { retryNum?: number; retryReason?: string },
  ): Promise<Delivery> {
    if (options.mode === 'socket') {
      const ack = await options.server.socket.send(type, payload, {
        retryAttempt: overrides.retryNum,
        retryReason: overrides.retryReason,
      });
      return { status: 200, body: ack.payload, elapsedMs: ack.receivedAfterMs, payload };
    }
    let body: string;
    let contentType = 'application/x-www-form-urlencoded';
    if (type === 'events_api') {
      body = JSON.stringify(payload);
      contentType = 'application/json';
    } else if (type === 'interactive') {
      body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    } else {
      body = new URLSearchParams(payload as Record<string, string>).toString();
    }
    const timestamp = overrides.timestamp ?? nowSeconds();
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': overrides.signature ?? signSlackRequest(body, options.signingSecret, timestamp),
    };
    if (overrides.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(overrides.retryNum);
      headers['x-slack-retry-reason'] = overrides.retryReason ?? 'http_timeout';
    }
    const post = options.post ?? fetchPost;
    const started = performance.now();
    const response = await post(options.appUrl, headers, body);
    return { status: response.status, body: parseResponseBody(response.text), elapsedMs: performance.now() - started, payload };
  }

  return {
    slashCommand(input) {
      const payload = {
        token: verificationToken,
        team_id: input.teamId ?? identity.teamId,
        team_domain: identity.teamDomain,
        channel_id: input.channelId,
        channel_name: input.channelName ?? 'dev',
        user_id: input.userId,
        user_name: input.userName ?? input.userId.toLowerCase(),
        command: input.command ?? '/tandem',
        text: input.text,
        api_app_id: identity.appId,
        is_enterprise_install: 'false',
        response_url: input.responseUrl ?? defaultResponseUrl(),
        trigger_id: input.triggerId ?? triggerId(),
      };
      return deliver('slash_commands', payload, input);
    },

    event(event, eventOptions = {}) {
      const eventTime = eventOptions.eventTime ?? nowSeconds();
      const payload = {
        token: verificationToken,
        team_id: identity.teamId,
        context_team_id: identity.teamId,
        context_enterprise_id: null,
        api_app_id: identity.appId,
        event: { event_ts: typeof event.ts === 'string' ? event.ts : `${eventTime}.000000`, ...event },
        type: 'event_callback',
        event_id: eventOptions.eventId ?? `Ev${randomId(9)}`,
        event_time: eventTime,
        authorizations: [
          { enterprise_id: null, team_id: identity.teamId, user_id: identity.botUserId, is_bot: true, is_enterprise_install: false },
        ],
        is_ext_shared_channel: false,
        event_context: `4-${randomId(32)}`,
      };
      return deliver('events_api', payload, eventOptions);
    },

    blockAction(input) {
      const stored = server?.messages(input.channelId).find((message) => message.ts === input.messageTs);
      const threadTs = input.threadTs ?? stored?.threadTs;
      const blockId = input.blockId ?? randomId(5);
      const message: Record<string, unknown> = {
        type: 'message',
        user: stored?.user ?? identity.botUserId,
        bot_id: stored?.botId ?? identity.botId,
        ts: input.messageTs,
        text: input.messageText ?? stored?.text ?? '',
        blocks: stored?.blocks ?? [],
      };
      if (threadTs !== undefined) message.thread_ts = threadTs;
      const container: Record<string, unknown> = {
        type: 'message',
        message_ts: input.messageTs,
        channel_id: input.channelId,
        is_ephemeral: false,
      };
      if (threadTs !== undefined) container.thread_ts = threadTs;
      const payload = {
        type: 'block_actions',
        user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: identity.teamId },
        api_app_id: identity.appId,
        token: verificationToken,
        container,
        trigger_id: triggerId(),
        team: { id: identity.teamId, domain: identity.teamDomain },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: input.channelId, name: 'dev' },
        message,
        state: { values: {} },
        response_url: input.responseUrl ?? defaultResponseUrl(),
        actions: [
          {
            type: 'button',
            action_id: input.actionId,
            block_id: blockId,
            text: { type: 'plain_text', text: input.actionId, emoji: true },
            value: input.value,
            action_ts: `${nowSeconds()}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
          },
        ],
      };
      return deliver('interactive', payload, input);
    },
  };
}
