import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatewayRole } from '../../src/gateway/start-gateway.ts';
import { slackRetryPolicy } from '../../src/slack/slack-app.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import type { StoredMessage } from '../kit/slack-store.ts';

/**
 * Issue 6, item 4: Slack answering 429 storms with `Retry-After` and 5xx while a task runs.
 * The gateway runs with the production Web API retry policy (`slackRetryPolicy`); the same
 * event delivered three times is covered in test/gateway/slack-intake.test.ts.
 */

describe('Slack 429 storms and 5xx answers during a task', () => {
  let harness: GatewayHarness;
  let gateway: GatewayRole;
  let threadOfStorm: StoredMessage[] = [];

  before(async () => {
    harness = await createGatewayHarness('slack-faults', 'http');
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    gateway = await harness.startGateway();
  });
  after(() => harness.close());

  test('the production policy bounds a write: at most 5 retries and 2 minutes', () => {
    assert.equal(slackRetryPolicy.retries, 5);
    assert.ok((slackRetryPolicy.maxRetryTime ?? Infinity) <= 120_000);
  });

  test('a thread whose posts and edits hit 429s and 5xx ends complete, nothing lost, nothing doubled', async () => {
    const { slack } = harness;
    // The header: three 429s in a row, then a 503; then the status edits: two 429s and two 500s.
    slack.rateLimit('chat.postMessage', { times: 3, retryAfterSeconds: 1 });
    slack.serverError('chat.postMessage', { times: 1, status: 503 });
    slack.rateLimit('chat.update', { times: 2, retryAfterSeconds: 1 });
    slack.serverError('chat.update', { times: 2, status: 500 });
    const started = Date.now();

    const delivery = await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
    assert.equal(delivery.status, 200);
    assert.ok(delivery.elapsedMs < 1000, `acked in ${delivery.elapsedMs} ms while Slack was failing`);

    const running = await harness.waitForTask((record) => record.status === 'running' && record.statusMessageTs !== undefined, 'the task to run', 60_000);
    // A second storm mid-task, on the persona replies and the report.
    slack.rateLimit('chat.postMessage', { times: 2, retryAfterSeconds: 1 });
    slack.serverError('chat.postMessage', { times: 2, status: 502 });

    const task = await harness.waitForTask(
      (record) => record.taskId === running.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
      'the task to await approval',
      120_000,
    );
    const gateway = harness.slack.calls();
    const rateLimited = gateway.filter((call) => call.httpStatus === 429).length;
    const serverErrors = gateway.filter((call) => (call.httpStatus ?? 0) >= 500).length;
    assert.equal(rateLimited, 3 + 2 + 2, 'every injected 429 was met');
    assert.equal(serverErrors, 1 + 2 + 2, 'every injected 5xx was met');

    const thread = await assertThreadTellsOutcome(slack, { channel, threadTs: task.threadTs! }, 'finished');
    threadOfStorm = thread;
    assert.match(thread[0]!.text, /acme\/calc/, 'the header opens the thread');
    assert.equal(slack.messages(channel).filter((message) => message.threadTs === undefined || message.ts === message.threadTs).length, 1, 'one header');
    assertNoDuplicatePosts(slack, { channel, threadTs: task.threadTs! });
    for (const persona of ['Planner', 'Report']) {
      assert.match(thread.map((message) => message.text).join('\n'), new RegExp(persona), `${persona} reached the thread`);
    }
    const status = slack.messages(channel).find((message) => message.ts === task.statusMessageTs)!;
    assert.ok(status.history.length >= 2, 'the status message was edited despite the failing edits');
    assert.equal(harness.github.pulls('acme/calc').length, 1, 'one PR');
    assertPullRequestCount(harness.github, 'acme/calc', task.branch, 1);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });

    // Successful posts equal stored bot messages: a failed attempt never stored, a retry stored once.
    const posted = slack.calls('chat.postMessage').filter((call) => call.ok).length;
    const stored = slack.messages(channel).filter((message) => message.botId !== undefined && message.files === undefined).length;
    assert.equal(posted, stored, 'every successful chat.postMessage is one message');
    const elapsedSeconds = (Date.now() - started) / 1000;
    assert.ok(elapsedSeconds < 110, `finished in ${elapsedSeconds.toFixed(1)} s`);
  });

  test('every persona milestone of the stormy task reached its thread, before the report', () => {
    const texts = threadOfStorm.map((message) => message.text);
    const positions = ['Planner', 'Coder', 'Reviewer', 'Tester', 'Report'].map((persona) => {
      const index = texts.findIndex((text) => text.includes(`*${persona}*`));
      assert.ok(index >= 0, `${persona} reached the thread:\n${texts.join('\n')}`);
      return index;
    });
    assert.deepEqual([...positions].sort((first, second) => first - second), positions, 'in order');
  });

  test('a write Slack keeps failing is given up after 5 retries instead of holding the channel', async () => {
    const { slack } = harness;
    const before = slack.calls('chat.postMessage').length;
    slack.serverError('chat.postMessage', { times: 20, status: 503 });
    const started = Date.now();
    await assert.rejects(gateway.app.client.chat.postMessage({ channel, text: 'into an outage' }), /503/);
    const elapsedMs = Date.now() - started;
    slack.serverError('chat.postMessage', { times: 0 });
    const attempts = slack.calls('chat.postMessage').slice(before).filter((call) => call.params.text === 'into an outage').length;
    assert.equal(attempts, slackRetryPolicy.retries! + 1, 'one try and 5 retries, no more');
    assert.ok(elapsedMs < 65_000, `gave up after ${elapsedMs} ms`);
    assert.equal(slack.messages(channel).filter((message) => message.text === 'into an outage').length, 0, 'nothing stored');
  });
});
