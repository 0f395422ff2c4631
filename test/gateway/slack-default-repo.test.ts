import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { fullTeam } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

/** No worker runs here: a queued task stays waiting, so the queue's counts are known. */
describe('DEFAULT_REPO, empty requests and /tandem status', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('default-repo', 'http', { DEFAULT_REPO: 'acme/calc' });
    harness.ollama.setResponder(fullTeam());
    await harness.startGateway();
  });
  after(() => harness.close());

  const jobCount = async () => Object.values(await harness.workQueue.getJobCounts()).reduce((sum, count) => sum + count, 0);
  const privateAnswer = (delivery: { payload: Record<string, unknown> }) =>
    harness.slack.waitFor(
      () => harness.slack.responses(String(delivery.payload.response_url)).map((response) => response.body as { text: string; response_type: string })[0],
      5000,
      'the private answer',
    );

  test('a command naming only a repository, or nothing but spaces, gets a private answer and queues nothing', async () => {
    const onlyRepo = await privateAnswer(await harness.driver.slashCommand({ text: 'acme/calc   ', userId: developer, channelId: channel }));
    assert.equal(onlyRepo.response_type, 'ephemeral');
    assert.equal(onlyRepo.text, 'What should the team do? Use `/tandem [owner/repo] <task>`.');

    const blank = await privateAnswer(await harness.driver.slashCommand({ text: '   ', userId: developer, channelId: channel }));
    assert.equal(blank.response_type, 'ephemeral');
    assert.match(blank.text, /^\*\/tandem \[owner\/repo\] <task>\* — ask the team for a change/, 'the usage, first');
    assert.match(blank.text, /\*\/tandem status\*/);

    const mentionTs = harness.slack.addUserMessage({ channel, user: developer, text: '<@UTANDEM> acme/calc' }).ts;
    await harness.driver.event({ type: 'app_mention', channel, user: developer, text: '<@UTANDEM> acme/calc', ts: mentionTs });
    await harness.slack.waitFor(
      () => harness.slack.ephemerals(channel).find((message) => message.user === developer && /^What should the team do\?/.test(message.text)),
      5000,
      'the mention’s private answer',
    );

    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(harness.slack.calls('chat.postMessage').length, 0, 'nothing was posted in the channel');
    assert.equal((await harness.tasks.listActive()).length, 0, 'no task');
    assert.equal(await jobCount(), 0, 'nothing was queued');
  });

  test('a command that names no repository works on DEFAULT_REPO', async () => {
    await harness.driver.slashCommand({ text: 'fix add so that it adds', userId: developer, channelId: channel });
    // `src/add.js` looks like owner/repo, but `src` is no allowed owner: it is part of the request.
    await harness.driver.slashCommand({ text: 'src/add.js subtracts; make it add', userId: developer, channelId: channel });
    for (const request of ['fix add so that it adds', 'src/add.js subtracts; make it add']) {
      const task = await harness.waitForTask((record) => record.request === request && record.status === 'queued', `the task "${request}"`);
      assert.deepEqual(task.repo, { owner: 'acme', name: 'calc' });
      // The record says queued just before the job is added: wait for the job itself.
      const job = await waitFor(() => harness.workQueue.getJob(`${task.taskId}-1`), `the job of "${request}"`);
      assert.deepEqual(job?.data.repo, { owner: 'acme', name: 'calc' });
      assert.equal(job?.data.request, request);
      assert.match(harness.slack.messages(channel).find((message) => message.ts === task.headerTs)!.text, /^🧭 \*acme\/calc\* · /);
    }
  });

  test('/tandem status shows the queue’s counts, the tasks waiting and the workers online', async () => {
    const answer = await privateAnswer(await harness.driver.slashCommand({ text: 'status', userId: developer, channelId: channel }));
    assert.equal(answer.response_type, 'ephemeral');
    const lines = answer.text.split('\n');
    assert.equal(lines[0], '*Queue* — 2 waiting · 0 running · 0 retrying · 0 failed · 0 done');
    assert.ok(lines.includes('*Workers online* — 0'), answer.text);
    assert.ok(lines.includes('*Tasks in progress* — 2'), answer.text);
    const taskLines = lines.filter((line) => /^• `[0-9a-f]{8}` acme\/calc · queued · iteration 1 · \d+s$/.test(line));
    assert.equal(taskLines.length, 2, answer.text);
  });
});
