import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSocketModeServer, type LoopbackSocketMode } from './slack-socket.ts';
import {
  defaultIdentity,
  SlackStore,
  type EphemeralMessage,
  type SlackIdentity,
  type StoredFile,
  type StoredMessage,
} from './slack-store.ts';
import {
  acceptUpload,
  callMethod,
  defaultBotScopes,
  scopesHeader,
  tokenError,
  type LoopbackUser,
  type MethodAnswer,
  type Params,
  type TokenRules,
} from './slack-web-api.ts';

/**
 * A loopback Slack on 127.0.0.1: the Web API at `url` (`http://127.0.0.1:PORT/api/`), the
 * files.uploadV2 upload URLs, response_url endpoints and a Socket Mode WebSocket, so the real
 * @slack/bolt App, WebClient and SocketModeClient run against it.
 *
 * Pointing Bolt 5.1 at it:
 * - Socket Mode: `new App({ token: 'xoxb-…', appToken: 'xapp-…', socketMode: true,
 *   clientOptions: { slackApiUrl: server.url } })`. Bolt copies `clientOptions` into
 *   `installerOptions.clientOptions`, and SocketModeReceiver hands those to the
 *   SocketModeClient, whose own WebClient calls apps.connections.open; so `clientOptions`
 *   alone moves both (an `installerOptions` without `clientOptions` keeps that default).
 *   Caveat: the SocketModeClient writes `retryConfig = { retries: 100, factor: 1.3 }` into the
 *   object it got when it has none; with only `clientOptions` that is the App's own object, so
 *   listener `client`s (built later from a copy of it) inherit 100 retries, while app.client
 *   (built earlier) keeps WebClient's default. Passing a separate object as
 *   `installerOptions: { clientOptions: { slackApiUrl } }` confines it to the socket client.
 * - HTTP: `new App({ token, signingSecret, clientOptions: { slackApiUrl: server.url } })`, then
 *   `const http = await app.start({ port: 0, host: '127.0.0.1' })` (start passes its argument to
 *   `server.listen`) and read `(http.address() as AddressInfo).port`.
 * Either way Bolt calls auth.test in the App constructor (not awaited by start()), so start
 * this server first, and wait for it (`server.calls('auth.test')`) before a quick teardown.
 *
 * Teardown: `await app.stop()` first, then `server.close()`. A Web API call the app makes after
 * the server closed fails to connect and WebClient retries it (default retryConfig: 10 tries
 * over ~30 min; the Socket Mode client's apps.connections.open: 100 tries), which holds the test
 * process open — so also wait for the app's last calls (`server.waitFor`) before closing.
 * SocketModeReceiver.stop() resolves before its close handshake ends; close() finishes it.
 */

export interface SlackCall {
  method: string;
  params: Params;
  /** From `Authorization: Bearer …`, else the `token` parameter. */
  token: string | undefined;
  at: number;
  ok: boolean;
  error?: string;
  rateLimited?: boolean;
  /** The HTTP status answered when it was not 200 (429, or an injected 5xx). */
  httpStatus?: number;
}

export interface RecordedResponse {
  id: string;
  body: unknown;
  at: number;
}

export interface SlackServerOptions extends TokenRules {
  identity?: Partial<SlackIdentity>;
  users?: Record<string, LoopbackUser>;
  /** The scopes granted to the bot token, sent as `x-oauth-scopes`; default: manifest.yml's bot scopes. */
  scopes?: readonly string[];
  /** How long `socket.send` waits for an ack (default 3000 ms). */
  ackTimeoutMs?: number;
  /** How often the Socket Mode server pings its clients (default 10 s). */
  pingIntervalMs?: number;
}

export interface LoopbackSlack {
  /** The Web API base, `http://127.0.0.1:PORT/api/` — `SLACK_API_URL` / WebClient's `slackApiUrl`. */
  url: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  identity: SlackIdentity;
  /** The bot token's granted scopes, answered in `x-oauth-scopes` on every accepted call; tests may change it. */
  scopes: string[];
  socket: LoopbackSocketMode;
  /** The next `times` calls to `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, options?: { times?: number; retryAfterSeconds?: number }): void;
  /**
   * From now on, a `chat.*` write to a channel less than `intervalMs` after the last one it
   * accepted there answers HTTP 429 with `Retry-After` (whole seconds, as Slack sends it);
   * `undefined` lifts the limit. 5 ms of slack absorb timer granularity.
   */
  limitWritesPerChannel(intervalMs: number | undefined): void;
  /**
   * The next `times` calls to `method` answer HTTP `status` (default 500) before doing anything:
   * like a Slack edge that failed the request, nothing is stored, so a retry is the only write.
   */
  serverError(method: string, options?: { times?: number; status?: number }): void;
  /** The next `times` calls to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times?: number): void;
  /** A fresh response_url on this server. */
  responseUrl(): string;
  /** What was POSTed to response URLs, oldest first; `idOrUrl` narrows to one of them. */
  responses(idOrUrl?: string): RecordedResponse[];
  calls(method?: string): SlackCall[];
  /** Live messages (replies included) in post order. */
  messages(channel?: string): StoredMessage[];
  /** The parent then its replies, with their current text and blocks. */
  thread(channel: string, threadTs: string): StoredMessage[];
  ephemerals(channel?: string): EphemeralMessage[];
  files(): StoredFile[];
  /** Stores a message a person wrote (so conversations.replies sees it); deliver its event with the driver. */
  addUserMessage(message: { channel: string; user: string; text: string; threadTs?: string }): StoredMessage;
  /** Polls `probe` until it returns something other than undefined, null or false. */
  waitFor<Value>(probe: () => Value | undefined | null | false, timeoutMs?: number, what?: string): Promise<Value>;
  /** Stops everything (idempotent). */
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Decodes a urlencoded, JSON or multipart body; multipart file parts become Buffers. */
async function parseBody(contentType: string, body: Buffer): Promise<Params> {
  if (body.length === 0) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as Params;
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    const params: Params = {};
    for (const [name, value] of form) {
      params[name] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    }
    return params;
  }
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

const jsonEncodedParams = ['blocks', 'attachments', 'files', 'metadata'];

function decodeJsonParams(params: Params): Params {
  for (const name of jsonEncodedParams) {
    const value = params[name];
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) continue;
    try {
      params[name] = JSON.parse(value);
    } catch {
      // leave it as sent; the method answers as Slack would for a malformed value
    }
  }
  return params;
}

/** The Web API methods that write to a channel: what `limitWritesPerChannel` limits. */
const channelWriteMethods = new Set(['chat.postMessage', 'chat.update', 'chat.delete', 'chat.postEphemeral', 'chat.meMessage', 'chat.scheduleMessage']);
const channelLimitToleranceMs = 5;

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
  response.writeHead(status, { 'content-type': contentType, ...headers });
  response.end(text);
}

/** Starts a loopback Slack on a free 127.0.0.1 port. */
export async function startSlackServer(options: SlackServerOptions = {}): Promise<LoopbackSlack> {
  const identity: SlackIdentity = { ...defaultIdentity, ...options.identity };
  const store = new SlackStore();
  const calls: SlackCall[] = [];
  const responses: RecordedResponse[] = [];
  const rateLimits = new Map<string, { times: number; retryAfterSeconds: number }>();
  const failures = new Map<string, { error: string; times: number }>();
  const serverErrors = new Map<string, { times: number; status: number }>();
  let scopes = [...(options.scopes ?? defaultBotScopes)];
  let channelWriteIntervalMs: number | undefined;
  const lastChannelWriteAt = new Map<string, number>();
  /** Milliseconds until `channel` may take another write, or 0 (then the write is counted). */
  const channelWriteWait = (method: string, params: Params): number => {
    const channel = typeof params.channel === 'string' ? params.channel : undefined;
    if (channelWriteIntervalMs === undefined || !channel || !channelWriteMethods.has(method)) return 0;
    const now = Date.now();
    const wait = (lastChannelWriteAt.get(channel) ?? -Infinity) + channelWriteIntervalMs - channelLimitToleranceMs - now;
    if (wait <= 0) lastChannelWriteAt.set(channel, now);
    return Math.max(0, wait);
  };
  let origin = '';
  const socket = createSocketModeServer({
    origin: () => origin,
    appId: identity.appId,
    ackTimeoutMs: options.ackTimeoutMs,
    pingIntervalMs: options.pingIntervalMs,
  });
  const context = { store, identity, users: options.users ?? {}, origin: () => origin, issueSocketUrl: socket.issueUrl };

  async function handleApi(method: string, request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const query = Object.fromEntries(new URL(request.url ?? '/', origin).searchParams);
    const params = decodeJsonParams({ ...query, ...(await parseBody(request.headers['content-type'] ?? '', body)) });
    const bearer = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
    const call: SlackCall = { method, params, token, at: Date.now(), ok: false };
    calls.push(call);
    const limit = rateLimits.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      Object.assign(call, { rateLimited: true, error: 'ratelimited', httpStatus: 429 });
      answer(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfterSeconds) });
      return;
    }
    const channelWait = channelWriteWait(method, params);
    if (channelWait > 0) {
      Object.assign(call, { rateLimited: true, error: 'ratelimited', httpStatus: 429 });
      answer(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.ceil(channelWait / 1000)) });
      return;
    }
    const serverError = serverErrors.get(method);
    if (serverError && serverError.times > 0) {
      serverError.times -= 1;
      Object.assign(call, { error: 'server_error', httpStatus: serverError.status });
      answer(response, serverError.status, `<html><body>${serverError.status} Service Unavailable</body></html>`);
      return;
    }
    const failure = failures.get(method);
    let result: MethodAnswer;
    let headers: Record<string, string> = {};
    if (failure && failure.times > 0) {
      failure.times -= 1;
      result = { ok: false, error: failure.error };
    } else {
      const rejected = tokenError(method, token, options);
      result = rejected ? { ok: false, error: rejected } : callMethod(method, params, context);
      // Slack names the token's granted scopes on every call it accepted the token for.
      if (!rejected) headers = scopesHeader(token, scopes);
    }
    call.ok = result.ok;
    if (!result.ok) call.error = String(result.error);
    answer(response, 200, result, headers);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    const body = await readBody(request);
    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (api) return handleApi(api[1]!, request, response, body);
    const upload = /^\/upload\/(\w+)$/.exec(path);
    if (upload && request.method === 'POST') {
      const parts = await parseBody(request.headers['content-type'] ?? '', body);
      const file = Object.values(parts).find((value) => Buffer.isBuffer(value));
      const multipart = (request.headers['content-type'] ?? '').startsWith('multipart/form-data');
      const content = multipart ? (file ?? Buffer.alloc(0)) : body;
      if (!acceptUpload(store, upload[1]!, content)) return answer(response, 404, 'file not found');
      return answer(response, 200, `OK - ${content.length}`);
    }
    const responseId = /^\/response\/([\w-]+)$/.exec(path)?.[1];
    if (responseId && request.method === 'POST') {
      const contentType = request.headers['content-type'] ?? '';
      const parsed = contentType.startsWith('application/json') ? JSON.parse(body.toString('utf8')) : body.toString('utf8');
      responses.push({ id: responseId, body: parsed, at: Date.now() });
      return answer(response, 200, { ok: true });
    }
    answer(response, 404, 'not found');
  }

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) answer(response, 500, { ok: false, error: 'loopback_error', detail: String(error) });
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, connection, head: Buffer) => {
    if (!socket.handleUpgrade(request, connection, head)) connection.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  const responseIdOf = (idOrUrl: string): string => /\/response\/([\w-]+)$/.exec(idOrUrl)?.[1] ?? idOrUrl;

  return {
    url: `${origin}/api/`,
    origin,
    identity,
    get scopes() {
      return scopes;
    },
    set scopes(granted: string[]) {
      scopes = [...granted];
    },
    socket,
    rateLimit(method, { times = 1, retryAfterSeconds = 1 } = {}) {
      rateLimits.set(method, { times, retryAfterSeconds });
    },
    limitWritesPerChannel(intervalMs) {
      channelWriteIntervalMs = intervalMs;
      lastChannelWriteAt.clear();
    },
    serverError(method, { times = 1, status = 500 } = {}) {
      serverErrors.set(method, { times, status });
    },
    failNext(method, error, times = 1) {
      failures.set(method, { error, times });
    },
    responseUrl: () => `${origin}/response/${randomUUID()}`,
    responses: (idOrUrl) =>
      idOrUrl === undefined ? [...responses] : responses.filter((entry) => entry.id === responseIdOf(idOrUrl)),
    calls: (method) => calls.filter((call) => method === undefined || call.method === method),
    messages: (channel) =>
      store.messages.filter((message) => !message.deleted && (channel === undefined || message.channel === channel)),
    thread: (channel, threadTs) => store.thread(channel, threadTs),
    ephemerals: (channel) => store.ephemerals.filter((message) => channel === undefined || message.channel === channel),
    files: () => [...store.files.values()],
    addUserMessage: ({ channel, user, text, threadTs }) => store.add({ channel, user, text, threadTs }),
    async waitFor(probe, timeoutMs = 5000, what = 'a condition on the loopback Slack') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== null && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close() {
      // Requests already received are answered first: a WebClient whose call dies mid-flight
      // retries it (for ~30 min with the default retryConfig) and keeps the process alive.
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await socket.close();
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
