import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';

// Issue 5, item 6: a channel outside ALLOWED_CHANNELS is refused through the real Bolt app
// (the reason only the asker sees, nothing posted, stored or queued). Issue 6, item 4: the
// same event delivered three times makes one task, checked with the four fault-test checks.

const otherChannel = 'COTHER1';

describe('channels outside ALLOWED_CHANNELS, and Slack retries of one event', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('authorization-and-retries', 'http', { ALLOWED_CHANNELS: channel });
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  /** Every job the work queue holds, in any state. */
  const workJobCount = () => harness.workQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  const taskCount = async () => (await harness.tasks.listByStatus('screening', 'queued', 'running', 'blocked', 'awaiting_approval', 'failed')).length;

  test('a slash command and a mention in a channel outside ALLOWED_CHANNELS get the reason privately; nothing is posted, stored or queued', async () => {
    const [jobsBefore, tasksBefore, postsBefore, chatsBefore] = [await workJobCount(), await taskCount(), harness.slack.calls('chat.postMessage').length, harness.ollama.chatRequests().length];
    const responseUrl = harness.slack.responseUrl();
    const command = await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: otherChannel, responseUrl });
    assert.equal(command.status, 200, 'acked, as Slack requires');
    const answer = await harness.slack.waitFor(() => harness.slack.responses(responseUrl)[0], 5_000, 'the answer to the command');
    assert.deepEqual(answer.body, {
      response_type: 'ephemeral',
      replace_original: false,
      text: 'tandem does not take tasks in this channel. Ask in one of ALLOWED_CHANNELS.',
    });

    const mention = harness.slack.addUserMessage({ channel: otherChannel, user: developer, text: '<@U0TANDEMBOT> acme/calc fix add' });
    await harness.driver.event({ type: 'app_mention', channel: otherChannel, user: developer, text: mention.text, ts: mention.ts });
    const told = await harness.slack.waitFor(() => harness.slack.ephemerals(otherChannel)[0], 5_000, 'the ephemeral answer to the mention');
    assert.equal(told.user, developer, 'only the asker sees it');
    assert.match(told.text, /does not take tasks in this channel.*ALLOWED_CHANNELS/);

    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(harness.slack.calls('chat.postMessage').length, postsBefore, 'nothing posted in any channel');
    assert.equal(harness.slack.messages(otherChannel).filter((message) => message.botId !== undefined).length, 0);
    assert.equal(await taskCount(), tasksBefore, 'no task record');
    assert.equal(await workJobCount(), jobsBefore, 'nothing queued');
    assert.equal(harness.ollama.chatRequests().length, chatsBefore, 'no model was asked');
  });

  test('the same event_id delivered three times makes one task in an allowed channel: it finishes, one PR, no doubled post, nothing running', async () => {
    const message = harness.slack.addUserMessage({ channel, user: developer, text: '<@U0TANDEMBOT> acme/calc fix add so it adds' });
    const event = { type: 'app_mention', channel, user: developer, text: message.text, ts: message.ts };
    for (const retryNum of [undefined, 1, 2]) {
      const delivery = await harness.driver.event(event, { eventId: 'Ev0THRICE', retryNum, retryReason: retryNum ? 'http_timeout' : undefined });
      assert.equal(delivery.status, 200);
    }
    const task = await harness.waitForTask(
      (record) => record.threadTs === message.ts && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
      'the mention’s PR',
      90_000,
    );
    const all = await harness.tasks.listByStatus('screening', 'queued', 'running', 'awaiting_approval', 'failed', 'blocked');
    assert.deepEqual(all.filter((record) => record.threadTs === message.ts).map((record) => record.taskId), [task.taskId], 'one task');
    assert.equal(await harness.workQueue.getJobCountByTypes('completed'), 1, 'one work job ran');

    const thread = { channel, threadTs: message.ts };
    await assertThreadTellsOutcome(harness.slack, thread, 'finished');
    assertPullRequestCount(harness.github, 'acme/calc', task.branch, 1);
    assertNoDuplicatePosts(harness.slack, thread);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  });
});
