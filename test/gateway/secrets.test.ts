import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import { assertSecretsNowhere, redisContents } from '../kit/secret-search.ts';

// Fake, shape-valid secrets, put together here so no scanner takes the test for a leak.
const githubToken = ['ghp', '_', 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa'].join('');
const slackToken = ['xoxb', '-', '2468013579', '-', '1357924680', '-', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('');
const secrets = [githubToken, slackToken];

let harness: GatewayHarness;
const logLines: string[] = [];

/** Every log line of both roles, at the most verbose level, kept for the search below. */
function capturingLogger() {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ level: 'trace', destination });
}

before(async () => {
  harness = await createGatewayHarness('secrets', 'http');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  harness.ollama.setResponder(fullTeam());
  await harness.startWorker({}, capturingLogger());
  await harness.startGateway(capturingLogger());
});
after(() => harness.close());

test('a token typed into Slack reaches no Redis key or value, log line, model request, Slack echo or GitHub call', async () => {
  // A new task carrying a token, a mention carrying one, and a reply in a finished task's thread carrying one.
  await harness.driver.slashCommand({ text: `acme/calc deploy with ${githubToken} please`, userId: developer, channelId: channel });
  const mention = harness.slack.addUserMessage({ channel, user: developer, text: `<@U0TANDEMBOT> acme/calc use ${slackToken} for the bot` });
  await harness.driver.event({ type: 'app_mention', channel, user: developer, text: mention.text, ts: mention.ts });
  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the clean task', 90_000);
  const replyText = `the token is ${githubToken}, use it`;
  const reply = harness.slack.addUserMessage({ channel, user: developer, text: replyText, threadTs: task.threadTs });
  await harness.driver.event({ type: 'message', channel, user: developer, text: replyText, ts: reply.ts, thread_ts: task.threadTs, channel_type: 'channel' });

  await harness.waitForTask((record) => record.status === 'blocked' && /deploy/.test(record.request), 'the slash command to be blocked');
  await harness.waitForTask((record) => record.status === 'blocked' && /for the bot/.test(record.request), 'the mention to be blocked');
  await harness.slack.waitFor(() => harness.slack.thread(channel, task.threadTs!).some((message) => /can't pass that reply on/.test(message.text)), 10_000, 'the reply refused');
  await new Promise((resolve) => setTimeout(resolve, 300));

  const places: Record<string, string> = {
    redis: await redisContents(harness.redis.url),
    logs: logLines.join(''),
    models: JSON.stringify(harness.ollama.requests),
    // What tandem sent to Slack; the person's own stored messages are Slack's, not tandem's.
    slack: JSON.stringify(harness.slack.calls().map((call) => call.params)),
    responses: JSON.stringify(harness.slack.responses()),
    github: JSON.stringify(harness.github.requests),
  };
  assert.ok(logLines.length > 20, 'logging was on');
  assert.match(places.redis!, /\[redacted GitHub token\]/, 'the redacted request was stored');
  assertSecretsNowhere(places, secrets);
});
