import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TaskRecord } from '../../src/tasks/task-record.ts';
import { channel, createGatewayHarness, developer, lead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

const unsureRouter = () => json({ difficulty: 'medium', reflection: true, confident: false, reason: 'the request is vague' });

/**
 * Work that runs after Slack has its ack and then fails: the person who clicked or replied
 * is told privately what went wrong, and nothing is left half done. The failure is a real
 * Redis error: the task's feedback list is replaced by a string, so reading the task
 * answers WRONGTYPE.
 */
describe('a click or a reply whose work fails after the ack', () => {
  let harness: GatewayHarness;
  let task: TaskRecord;
  let questionTs: string;
  const feedbackKey = () => `${harness.prefix}:tasks:${task.taskId}:feedback`;

  before(async () => {
    harness = await createGatewayHarness('click-failures', 'http');
    harness.ollama.setResponder(fullTeam({ router: unsureRouter }));
    await harness.startGateway();
    await harness.driver.slashCommand({ text: 'acme/calc tidy things up', userId: developer, channelId: channel });
    task = await harness.waitForTask((record) => /tidy things up/.test(record.request), 'the task');
    const question = await harness.slack.waitFor(
      () => harness.slack.thread(channel, task.threadTs!).find((message) => /tandem_route_high/.test(JSON.stringify(message.blocks))),
      10_000,
      'the question to the leads',
    );
    questionTs = question.ts;
    await harness.connection.set(feedbackKey(), 'not a list');
  });
  after(() => harness.close());

  const click = (actionId: string, value: string) =>
    harness.driver.blockAction({ actionId, value, userId: lead, channelId: channel, messageTs: questionTs, threadTs: task.threadTs });
  const responseTo = (delivery: { payload: Record<string, unknown> }) =>
    harness.slack.waitFor(
      () => harness.slack.responses(String(delivery.payload.response_url)).map((response) => JSON.stringify(response.body)).find(Boolean),
      5000,
      'the private answer',
    );

  test('a route click is answered privately with what went wrong, and queues nothing', async () => {
    const delivery = await click('tandem_route_high', task.taskId);
    assert.equal(delivery.status, 200);
    const answer = await responseTo(delivery);
    assert.match(answer, /"response_type":"ephemeral"/);
    assert.match(answer, /tandem could not act on your high click: WRONGTYPE/);
    assert.match(answer, /try again in a moment/);
    assert.equal(await harness.workQueue.getJob(`${task.taskId}-1`), undefined, 'nothing was queued');
    const question = harness.slack.messages(channel).find((message) => message.ts === questionTs)!;
    assert.match(JSON.stringify(question.blocks), /tandem_route_high/, 'the buttons are still there');
  });

  test('an Approve click is answered privately with what went wrong, and merges nothing', async () => {
    const delivery = await click('tandem_approve', `${task.taskId}:1`);
    const answer = await responseTo(delivery);
    assert.match(answer, /tandem could not act on your approve click: WRONGTYPE/);
    assert.equal(harness.github.merges.length, 0);
  });

  test('a thread reply is answered with an ephemeral message saying it was not passed on', async () => {
    const text = 'please keep the public API as it is';
    const message = harness.slack.addUserMessage({ channel, user: developer, text, threadTs: task.threadTs });
    await harness.driver.event({ type: 'message', channel, user: developer, text, ts: message.ts, thread_ts: task.threadTs, channel_type: 'channel' });
    const notice = await harness.slack.waitFor(
      () => harness.slack.ephemerals(channel).find((ephemeral) => ephemeral.user === developer && /could not pass your reply on/.test(ephemeral.text)),
      5000,
      'the ephemeral notice',
    );
    assert.equal(notice.threadTs, task.threadTs, 'shown in the thread');
    assert.match(notice.text, /WRONGTYPE/);
  });

  test('once Redis answers again, the same click works', async () => {
    await harness.connection.del(feedbackKey());
    await click('tandem_route_high', task.taskId);
    const queued = await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'queued', 'the queued task');
    assert.equal(queued.difficulty, 'high');
    // The status moves first, then the job is added: wait for the job rather than race it.
    const job = await waitFor(async () => harness.workQueue.getJob(`${task.taskId}-1`), 'the work job', 10_000);
    assert.equal(job.data.difficulty, 'high');
  });
});
