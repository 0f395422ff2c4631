import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { redactSecrets } from '../../src/guardrail/redact-secrets.ts';
import { assertNoDuplicatePosts } from '../kit/fault-checks.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { git } from '../kit/git-repos.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import { assertSecretsNowhere, redisContents } from '../kit/secret-search.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';

// Issue 5, item 3, for a secret that is only redacted: a random-looking string after a weak
// key word ("signature is …", "salt: …") does not block the request, which goes on, redacted,
// to a PR awaiting approval. `tandem gateway` and `tandem worker` run as their own processes,
// logging at trace level, and the value is then searched for everywhere tandem writes.

// Fake values, put together here so no scanner takes the test for a leak.
const signature = ['Qm9v', 'R2xK', 'dW5r', 'WXBx', 'N3Rz', 'ZW5k'].join('');
const salt = ['Zk4r', 'Tq7W', 'mX2p', 'Lc9V', 'bN5s', 'Hy3J'].join('');
const request = `fix add so that it adds; the webhook signature is ${signature} for the test fixture`;
const reply = `please also cover adding zero, the test salt is ${salt}`;

let harness: GatewayHarness;
const processes: TandemProcess[] = [];

before(async () => {
  harness = await createGatewayHarness('redact-and-continue', 'http');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  harness.ollama.setResponder(fullTeam());
});
after(async () => {
  await Promise.all(processes.map((running) => running.stop('SIGKILL')));
  await harness.close();
});

test('a possible secret is redacted and the task goes on to a PR; the value is in no Redis key, model request, Slack or GitHub call, commit or log line', async () => {
  // The shapes this test relies on are the `possible` ones: redacted, not blocking.
  for (const text of [request, reply]) assert.deepEqual(redactSecrets(text).findings, [{ kind: 'possible secret', confidence: 'possible' }]);

  const gateway = startTandemProcess('gateway', { ...harness.environment, LOG_LEVEL: 'trace' });
  const worker = startTandemProcess('worker', { ...harness.environment, LOG_LEVEL: 'trace' });
  processes.push(gateway, worker);
  await waitFor(() => (/"msg":"gateway started"/.test(gateway.output()) ? true : undefined), `the gateway to start:\n${gateway.output()}`, 30_000);
  await waitFor(() => (/"msg":"worker ready"/.test(worker.output()) ? true : undefined), `the worker to start:\n${worker.output()}`, 30_000);

  await harness.driver.slashCommand({ text: `acme/calc ${request}`, userId: developer, channelId: channel });
  const first = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the PR', 90_000);
  assert.match(first.request, /signature is \[redacted possible secret\] for the test fixture/, 'stored redacted');

  // A reply in the thread carrying one too becomes the next iteration, redacted.
  const message = harness.slack.addUserMessage({ channel, user: developer, text: reply, threadTs: first.threadTs });
  await harness.driver.event({ type: 'message', channel, user: developer, text: reply, ts: message.ts, thread_ts: first.threadTs, channel_type: 'channel' });
  const second = await harness.waitForTask(
    (record) => record.taskId === first.taskId && record.iteration === 2 && record.status === 'awaiting_approval' && record.decisionMessageTs !== first.decisionMessageTs,
    'the second iteration to await approval',
    90_000,
  );
  assert.equal(harness.github.pulls('acme/calc').length, 1, 'one PR, updated by the second iteration');
  assertNoDuplicatePosts(harness.slack, { channel, threadTs: first.threadTs! });

  // The redacted texts did reach the models and the thread: the task went on with them.
  const models = JSON.stringify(harness.ollama.requests);
  assert.match(models, /signature is \[redacted possible secret\]/);
  assert.match(models, /salt is \[redacted possible secret\]/);
  const slackCalls = JSON.stringify(harness.slack.calls().map((call) => call.params));
  assert.match(slackCalls, /\[redacted possible secret\]/);

  assert.equal(await gateway.stop('SIGTERM'), 0, gateway.output());
  assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
  const remote = `${harness.remotes.root}/acme/calc.git`;
  const places: Record<string, string> = {
    redis: await redisContents(harness.redis.url),
    models,
    // What tandem sent to Slack; the person's own stored messages are Slack's, not tandem's.
    slack: slackCalls,
    responses: JSON.stringify(harness.slack.responses()),
    github: JSON.stringify(harness.github.requests),
    'the pull request': JSON.stringify(harness.github.pulls('acme/calc')),
    'the pushed commits': await git(remote, 'log', '--all', '--format=%B%n%N', '-p'),
    'the gateway log': gateway.output(),
    'the worker log': worker.output(),
  };
  assert.ok(places['the gateway log']!.split('\n').length > 20 && places['the worker log']!.split('\n').length > 10, 'logging was on');
  assert.match(places['the worker log']!, /"testCommand":[^\n]*"msg":"task started"/, 'the worker logged the task it ran');
  assert.match(places['the gateway log']!, /"level":10/, 'at trace level');
  assertSecretsNowhere(places, [signature, salt]);
});
