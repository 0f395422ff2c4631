import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { ErrorCode, WebClient, type WebAPIRateLimitedError } from '@slack/web-api';
import { createSlackDriver } from './slack-driver.ts';
import { startSlackServer, type LoopbackSlack } from './slack-server.ts';

const botToken = 'xoxb-loopback-bot';
const appToken = 'xapp-1-loopback-app';
const signingSecret = 'loopback-signing-secret';
const channel = 'C0DEV';
const mina = 'U0MINA';
const ignore = (): void => undefined;
const silent = { debug: ignore, info: ignore, warn: ignore, error: ignore, setLevel: ignore, setName: ignore, getLevel: () => LogLevel.ERROR };

describe('loopback Slack Web API with the real WebClient', () => {
  let server: LoopbackSlack;
  let client: WebClient;

  before(async () => {
    server = await startSlackServer();
    client = new WebClient(botToken, { slackApiUrl: server.url, logLevel: LogLevel.ERROR });
  });
  after(() => server.close());

  test('postMessage, update and replies round trip', async () => {
    const parent = await client.chat.postMessage({ channel, text: '🧭 acme/api · add pagination' });
    assert.match(parent.ts!, /^\d{10}\.\d{6}$/);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '💻 Coder · iteration 1/3' } }];
    const status = await client.chat.postMessage({ channel, thread_ts: parent.ts, text: 'status', blocks });
    assert.ok(Number(status.ts) > Number(parent.ts));
    const updated = await client.chat.update({ channel, ts: status.ts!, text: 'status 2', blocks: [] });
    assert.equal(updated.text, 'status 2');

    const replies = await client.conversations.replies({ channel, ts: parent.ts! });
    assert.deepEqual(
      replies.messages?.map((message) => [message.ts, message.text]),
      [[parent.ts, '🧭 acme/api · add pagination'], [status.ts, 'status 2']],
    );
    assert.equal(replies.messages?.[0]?.reply_count, 1);
    const thread = server.thread(channel, parent.ts!);
    assert.equal(thread[1]?.history.length, 2);
    assert.deepEqual(thread[1]?.history[0]?.blocks, blocks, 'blocks sent form-encoded come back decoded');
    assert.equal(thread[1]?.blocks, undefined, 'an empty blocks array clears them');

    const posted = server.calls('chat.postMessage').at(-1)!;
    assert.equal(posted.token, botToken);
    assert.deepEqual(posted.params.blocks, blocks);

    await assert.rejects(client.chat.update({ channel, ts: '1.000000', text: 'x' }), /message_not_found/);
    await assert.rejects(client.apiCall('chat.teleport', {}), /unknown_method/);
    assert.equal(server.calls('chat.teleport')[0]?.error, 'unknown_method');
    const stranger = new WebClient('xoxp-someone', { slackApiUrl: server.url, logLevel: LogLevel.ERROR });
    await assert.rejects(stranger.auth.test(), /invalid_auth/);

    const ephemeral = await client.chat.postEphemeral({ channel, user: mina, text: 'only you', thread_ts: parent.ts });
    assert.deepEqual(server.ephemerals().map((message) => [message.user, message.ts]), [[mina, ephemeral.message_ts]]);
    await client.reactions.add({ channel, timestamp: parent.ts!, name: 'eyes' });
    assert.deepEqual(server.messages(channel)[0]?.reactions, [{ name: 'eyes', users: [server.identity.botUserId] }]);
    await client.chat.delete({ channel, ts: status.ts! });
    assert.equal(server.thread(channel, parent.ts!).length, 1);
  });

  test('a 429 with Retry-After is honoured, then the call succeeds', async () => {
    server.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    // WebClient waits Retry-After itself, then p-retry adds its own backoff (default minTimeout 1 s,
    // randomized ×1–2); a zero-backoff retryConfig leaves just the Retry-After wait.
    const quick = new WebClient(botToken, {
      slackApiUrl: server.url,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
    });
    const before = server.calls('chat.postMessage').length;
    const result = await quick.chat.postMessage({ channel, text: 'after the limit' });
    assert.equal(result.ok, true);
    const [limited, retried] = server.calls('chat.postMessage').slice(before);
    assert.equal(limited?.rateLimited, true);
    assert.equal(retried?.ok, true);
    assert.ok(retried!.at - limited!.at >= 1000, `retried after ${retried!.at - limited!.at} ms`);

    server.rateLimit('chat.update', { times: 1, retryAfterSeconds: 7 });
    const impatient = new WebClient(botToken, { slackApiUrl: server.url, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true });
    const error = await impatient.chat.update({ channel, ts: result.ts!, text: 'x' }).catch((caught: unknown) => caught);
    assert.equal((error as WebAPIRateLimitedError).code, ErrorCode.RateLimitedError);
    assert.equal((error as WebAPIRateLimitedError).retryAfter, 7);
  });

  test('limitWritesPerChannel answers 429 to a second chat write in one channel within the interval', async () => {
    const impatient = new WebClient(botToken, { slackApiUrl: server.url, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true });
    server.limitWritesPerChannel(1000);
    try {
      const first = await impatient.chat.postMessage({ channel: 'CLIMIT1', text: 'first' });
      assert.equal(first.ok, true);
      const error = await impatient.chat.update({ channel: 'CLIMIT1', ts: first.ts!, text: 'too soon' }).catch((caught: unknown) => caught);
      assert.equal((error as WebAPIRateLimitedError).code, ErrorCode.RateLimitedError);
      assert.equal((error as WebAPIRateLimitedError).retryAfter, 1);
      assert.equal((await impatient.chat.postMessage({ channel: 'CLIMIT2', text: 'another channel' })).ok, true);
      assert.equal((await impatient.auth.test()).ok, true, 'reads are not limited');
      assert.equal(server.calls('chat.update').at(-1)?.httpStatus, 429);
    } finally {
      server.limitWritesPerChannel(undefined);
    }
    assert.equal((await impatient.chat.postMessage({ channel: 'CLIMIT1', text: 'unlimited again' })).ok, true);
  });

  test('files.uploadV2 round trip records the file in the thread', async () => {
    const parent = await client.chat.postMessage({ channel, text: '📝 Report' });
    const content = 'diff --git a/users.ts b/users.ts\n+export const pageSize = 50;\n';
    const uploaded = await client.files.uploadV2({
      channel_id: channel,
      thread_ts: parent.ts!,
      initial_comment: 'the full diff',
      filename: 'diff.patch',
      content,
    });
    assert.equal(uploaded.ok, true);
    const [file] = server.files();
    assert.equal(file?.text, content);
    assert.equal(file?.filename, 'diff.patch');
    const reply = server.thread(channel, parent.ts!)[1];
    assert.equal(reply?.text, 'the full diff');
    assert.equal(reply?.files?.[0]?.text, content);
    assert.deepEqual(
      server.calls().slice(-2).map((call) => call.method),
      ['files.getUploadURLExternal', 'files.completeUploadExternal'],
    );
  });

  test('SocketModeClient: hello, acks, ping/pong both ways, reconnect, missing ack', async () => {
    const pinging = await startSlackServer({ pingIntervalMs: 100 });
    // clientPingTimeout also sets the reconnect delay (× consecutive failures): 5 s by default.
    const socketClient = new SocketModeClient({
      appToken,
      logger: silent, // an abrupt disconnect is logged as an error
      clientPingTimeout: 300,
      serverPingTimeout: 500,
      clientOptions: { slackApiUrl: pinging.url },
    });
    socketClient.on('slash_commands', async ({ ack }: { ack: (body?: unknown) => Promise<void> }) => ack({ text: 'on it' }));
    try {
      await socketClient.start();
      assert.equal(pinging.calls('apps.connections.open')[0]?.token, appToken);
      const ack = await pinging.socket.send('slash_commands', { command: '/tandem', text: 'help' });
      assert.deepEqual(ack.payload, { text: 'on it' });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.equal(pinging.socket.connectionsAccepted(), 1, 'pings and pongs kept the link up');
      await pinging.socket.disconnectClients({ abrupt: true });
      await pinging.socket.connected(3000);
      assert.equal(pinging.socket.connectionsAccepted(), 2);
      await assert.rejects(pinging.socket.send('events_api', { event: { type: 'team_join' } }, { ackTimeoutMs: 200 }), /no ack/);
    } finally {
      await socketClient.disconnect();
      await pinging.close();
    }
  });
});

interface Seen {
  commands: string[];
  mentions: { text: string; retryNum?: number; retryReason?: string }[];
  actions: { value: string; messageText?: string; user: string }[];
}

/** A Bolt app with the listeners both modes share: a command that responds, a mention and a button. */
function addListeners(app: App, seen: Seen): void {
  app.command('/tandem', async ({ ack, respond, command }) => {
    await ack({ text: 'on it' });
    seen.commands.push(command.text);
    await respond({ text: `queued: ${command.text}`, response_type: 'in_channel' });
  });
  app.event('app_mention', async ({ event, context, client }) => {
    seen.mentions.push({ text: event.text, retryNum: context.retryNum, retryReason: context.retryReason });
    await client.chat.postMessage({ channel: event.channel, thread_ts: event.ts, text: '👀' });
  });
  app.action('approve', async ({ ack, body, action }) => {
    await ack();
    const message = 'message' in body ? body.message : undefined;
    seen.actions.push({ value: 'value' in action ? String(action.value) : '', messageText: message?.text, user: body.user.id });
  });
}

const mention = (ts: string) => ({ type: 'app_mention', user: mina, text: '<@U0TANDEMBOT> status', channel, ts });

describe('Bolt 5.1 in Socket Mode against the loopback', () => {
  let server: LoopbackSlack;
  let app: App;
  const seen: Seen = { commands: [], mentions: [], actions: [] };

  before(async () => {
    server = await startSlackServer({ botTokens: [botToken], appTokens: [appToken] });
    app = new App({
      token: botToken,
      appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: server.url },
      // A separate object, so the socket client's retryConfig (100 retries) stays out of listener clients.
      installerOptions: { clientOptions: { slackApiUrl: server.url } },
    });
    addListeners(app, seen);
    await app.start();
    // Bolt fires auth.test from the constructor without awaiting it; let it land so an early
    // server.close() cannot cut it (a cut call is retried for minutes and holds the process).
    await server.waitFor(() => server.calls('auth.test').length > 0);
  });
  after(async () => {
    await app.stop();
    await server.close();
  });

  test('both the app WebClient and apps.connections.open go to the loopback', () => {
    assert.equal(server.calls('auth.test')[0]?.token, botToken);
    assert.equal(server.calls('apps.connections.open')[0]?.token, appToken);
    assert.equal(server.socket.connectionCount(), 1);
  });

  test('a slash command is acked and respond() reaches the response_url', async () => {
    const driver = createSlackDriver({ mode: 'socket', server });
    const delivery = await driver.slashCommand({ text: 'acme/api add pagination', userId: mina, channelId: channel });
    assert.equal(delivery.status, 200);
    assert.deepEqual(delivery.body, { text: 'on it' });
    assert.ok(delivery.elapsedMs < 1000);
    const responseUrl = String(delivery.payload.response_url);
    const [response] = await server.waitFor(() => server.responses(responseUrl).length > 0 && server.responses(responseUrl));
    assert.deepEqual(response?.body, { text: 'queued: acme/api add pagination', response_type: 'in_channel' });
    assert.equal(seen.commands.at(-1), 'acme/api add pagination');
  });

  test('app_mention fires, retries carry retry_attempt, listener clients use the loopback', async () => {
    const driver = createSlackDriver({ mode: 'socket', server });
    const ts = '1700000999.000100';
    const first = await driver.event(mention(ts), { eventId: 'Ev0001' });
    assert.equal(first.status, 200);
    await driver.event(mention(ts), { eventId: 'Ev0001', retryNum: 1, retryReason: 'timeout' });
    const replies = await server.waitFor(() => {
      const posted = server.messages(channel).filter((message) => message.threadTs === ts);
      return posted.length === 2 && posted;
    });
    assert.deepEqual(replies.map((message) => message.text), ['👀', '👀']);
    assert.deepEqual(seen.mentions.slice(-2).map((entry) => [entry.retryNum, entry.retryReason]), [[0, ''], [1, 'timeout']]);
  });

  test('a button click reaches app.action with the stored message', async () => {
    const report = await app.client.chat.postMessage({ channel, text: '📝 Report — PR #142' });
    const driver = createSlackDriver({ mode: 'socket', server });
    const delivery = await driver.blockAction({ actionId: 'approve', value: 'task-7f3a', userId: mina, channelId: channel, messageTs: report.ts! });
    assert.equal(delivery.status, 200);
    assert.deepEqual(seen.actions.at(-1), { value: 'task-7f3a', messageText: '📝 Report — PR #142', user: mina });
  });

  test('after disconnectClients the client reconnects (about 5 s) and gets envelopes again', async () => {
    const accepted = server.socket.connectionsAccepted();
    await server.socket.disconnectClients();
    assert.equal(server.socket.connectionCount(), 0);
    await server.socket.connected(15_000);
    assert.equal(server.socket.connectionsAccepted(), accepted + 1);
    const driver = createSlackDriver({ mode: 'socket', server });
    const delivery = await driver.slashCommand({ text: 'status', userId: mina, channelId: channel });
    assert.deepEqual(delivery.body, { text: 'on it' });
    await server.waitFor(() => server.responses(String(delivery.payload.response_url)).length === 1);
  });
});

describe('Bolt 5.1 over HTTP against the loopback', () => {
  let server: LoopbackSlack;
  let app: App;
  let appUrl: string;
  const seen: Seen = { commands: [], mentions: [], actions: [] };

  before(async () => {
    server = await startSlackServer();
    app = new App({ token: botToken, signingSecret, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: server.url } });
    addListeners(app, seen);
    const http = await app.start({ port: 0, host: '127.0.0.1' });
    appUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/slack/events`;
    await server.waitFor(() => server.calls('auth.test').length > 0);
  });
  after(async () => {
    await app.stop();
    await server.close();
  });

  test('a signed slash command is acked with 200 and the listener runs', async () => {
    const driver = createSlackDriver({ mode: 'http', appUrl, signingSecret, server });
    const delivery = await driver.slashCommand({ text: 'help', userId: mina, channelId: channel });
    assert.equal(delivery.status, 200);
    assert.deepEqual(delivery.body, { text: 'on it' });
    assert.equal(seen.commands.at(-1), 'help');
    await server.waitFor(() => server.responses(String(delivery.payload.response_url)).length === 1);
  });

  test('a bad signature or a timestamp 6 minutes old gets 401 and no listener runs', async () => {
    const driver = createSlackDriver({ mode: 'http', appUrl, signingSecret, server });
    const [commands, mentions] = [seen.commands.length, seen.mentions.length];
    const forged = await driver.slashCommand({ text: 'forged', userId: mina, channelId: channel, signature: 'v0=deadbeef' });
    assert.deepEqual([forged.status, forged.body], [401, undefined]);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const replayed = await driver.slashCommand({ text: 'replayed', userId: mina, channelId: channel, timestamp: stale });
    assert.deepEqual([replayed.status, replayed.body], [401, undefined]);
    const wrongSecret = createSlackDriver({ mode: 'http', appUrl, signingSecret: 'not-the-secret', server });
    assert.equal((await wrongSecret.event(mention('1700000998.000100'))).status, 401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual([seen.commands.length, seen.mentions.length], [commands, mentions]);
  });

  test('events carry X-Slack-Retry-* and block actions reach app.action', async () => {
    const driver = createSlackDriver({ mode: 'http', appUrl, signingSecret, server });
    const delivery = await driver.event(mention('1700000997.000100'), { retryNum: 2, retryReason: 'http_timeout' });
    assert.deepEqual([delivery.status, delivery.body], [200, undefined]);
    const retried = await server.waitFor(() => seen.mentions.find((entry) => entry.retryNum === 2));
    assert.deepEqual(retried, { text: '<@U0TANDEMBOT> status', retryNum: 2, retryReason: 'http_timeout' });
    await server.waitFor(() => server.messages(channel).some((message) => message.threadTs === '1700000997.000100'));

    const report = await app.client.chat.postMessage({ channel, text: 'Approve?' });
    const clicked = await driver.blockAction({ actionId: 'approve', value: 'task-9', userId: mina, channelId: channel, messageTs: report.ts! });
    assert.equal(clicked.status, 200);
    assert.deepEqual(seen.actions.at(-1), { value: 'task-9', messageText: 'Approve?', user: mina });
  });
});
