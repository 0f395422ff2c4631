import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredMessage } from '../kit/slack-store.ts';
import { channel, createGatewayHarness, developer, lead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

/** A router that is never sure: every task waits for a human lead's Low / Medium / High / Decline. */
describe('a human lead routes the tasks the router was unsure of', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('route-decisions', 'http');
    harness.ollama.setResponder(fullTeam({ router: () => json({ difficulty: 'medium', reflection: true, confident: false, reason: 'hard to tell' }) }));
    await harness.startGateway();
  });
  after(() => harness.close());

  /** Asks for `request` and returns the task and the message holding the route buttons. */
  async function unsureTask(request: string) {
    await harness.driver.slashCommand({ text: `acme/calc ${request}`, userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.request === request, `the task "${request}"`);
    const question = await harness.slack.waitFor(
      () => harness.slack.thread(channel, task.threadTs!).find((message) => /tandem_route_decline/.test(JSON.stringify(message.blocks))),
      10_000,
      'the question to the leads',
    );
    return { task, question };
  }

  const click = (actionId: string, taskId: string, question: StoredMessage, threadTs: string) =>
    harness.driver.blockAction({ actionId, value: taskId, userId: lead, channelId: channel, messageTs: question.ts, threadTs });
  const messageNow = (ts: string) => harness.slack.messages(channel).find((message) => message.ts === ts)!;

  test('Decline blocks the task, replaces the buttons with who declined, and queues nothing', async () => {
    const { task, question } = await unsureTask('rewrite everything in a new language');
    const countsBefore = await harness.workQueue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    await click('tandem_route_decline', task.taskId, question, task.threadTs!);

    const declined = await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'blocked', 'the declined task');
    assert.equal(declined.decidedBy, lead);
    assert.equal(declined.reason, 'declined by a human lead');
    const outcome = await harness.slack.waitFor(() => /Declined by/.test(messageNow(question.ts).text) && messageNow(question.ts), 5000, 'the outcome');
    assert.equal(outcome.text, '🚫 Declined by <@ULEAD1>. Nothing was queued.');
    assert.doesNotMatch(JSON.stringify(outcome.blocks), /tandem_route_/, 'the buttons are gone');
    await harness.slack.waitFor(() => /^🚫 Declined · iteration 1 · \d+s$/.test(messageNow(task.statusMessageTs!).text), 5000, 'the status line');

    assert.equal(await harness.workQueue.getJob(`${task.taskId}-1`), undefined);
    assert.deepEqual(await harness.workQueue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'), countsBefore, 'nothing was queued');

    const late = await click('tandem_route_high', task.taskId, question, task.threadTs!);
    await harness.slack.waitFor(
      () => harness.slack.responses(String(late.payload.response_url)).some((response) => /already decided \(blocked\)/.test(JSON.stringify(response.body))),
      5000,
      'the answer to a late click',
    );
    assert.equal((await harness.tasks.get(task.taskId))!.status, 'blocked', 'a later click changes nothing');
  });

  for (const [choice, reflection] of [['low', false], ['high', true]] as const) {
    test(`${choice[0]!.toUpperCase()}${choice.slice(1)} queues the task at that difficulty, reflection ${reflection ? 'on' : 'off'}`, async () => {
      const { task, question } = await unsureTask(`make the ${choice} change`);
      await click(`tandem_route_${choice}`, task.taskId, question, task.threadTs!);

      const queued = await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'queued' && record.decidedBy !== undefined, 'the queued task');
      assert.equal(queued.difficulty, choice);
      assert.equal(queued.reflection, reflection);
      assert.equal(queued.decidedBy, lead);
      // The status moves first, then the job is added: wait for the job rather than race it.
      const job = await waitFor(() => harness.workQueue.getJob(`${task.taskId}-1`), 'the work job');
      assert.equal(job.data.difficulty, choice);
      assert.equal(job.data.reflection, reflection);

      const outcome = await harness.slack.waitFor(() => /set the difficulty/.test(messageNow(question.ts).text) && messageNow(question.ts), 5000, 'the outcome');
      assert.equal(outcome.text, `✅ <@ULEAD1> set the difficulty to *${choice}*; the task is queued.`);
      assert.doesNotMatch(JSON.stringify(outcome.blocks), /tandem_route_/);
      await harness.slack.waitFor(
        () => messageNow(task.headerTs!).text.includes(`· ${choice}, reflection ${reflection ? 'on' : 'off'} ·`),
        5000,
        'the header with the route',
      );
    });
  }
});
