import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { calculatorRepo, documenterProse, fullTeam } from '../kit/scripted-team.ts';
import { channel, createGatewayHarness, developer, lead, secondLead, type GatewayHarness, type SlackMode } from '../kit/gateway-harness.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';

function blockTexts(blocks: unknown[] | undefined): string {
  return JSON.stringify(blocks ?? []);
}

for (const mode of ['http', 'socket'] as SlackMode[]) {
  describe(`from /tandem to a merged PR through Bolt in ${mode} mode`, () => {
    let harness: GatewayHarness;
    let taskId: string;
    let threadTs: string;

    before(async () => {
      harness = await createGatewayHarness(`e2e-${mode}`, mode);
      await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
      harness.ollama.setResponder(fullTeam());
      await harness.startWorker();
      await harness.startGateway();
    });
    after(() => harness.close());

    test('a slash command is acked at once and ends as a PR whose body is the report, with persona replies in the thread', async () => {
      const delivery = await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
      assert.equal(delivery.status, 200);
      assert.ok(delivery.elapsedMs < 1000, `acked in ${delivery.elapsedMs} ms`);

      const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the task to await approval', 90_000);
      taskId = task.taskId;
      threadTs = task.threadTs!;
      const thread = harness.slack.thread(channel, threadTs);
      const texts = thread.map((message) => message.text).join('\n');
      assert.match(thread[0]!.text, /acme\/calc/);
      assert.match(thread[0]!.text, /low, reflection off/, 'the header shows the route');
      for (const persona of ['Planner', 'Coder', 'Reviewer', 'Tester', 'Report']) assert.match(texts, new RegExp(persona));
      assert.match(blockTexts(thread.find((message) => /Planner/.test(message.text))?.blocks), /Fix src\/add\.js/, 'the plan steps are listed');

      const statusEdits = harness.slack.calls('chat.update').filter((call) => call.params.ts === task.statusMessageTs);
      assert.ok(statusEdits.length >= 3, `the status message was edited ${statusEdits.length} times`);

      const pulls = harness.github.pulls('acme/calc');
      assert.equal(pulls.length, 1);
      const pull = pulls[0]!;
      assert.equal(pull.head, task.branch);
      assert.ok((pull.body ?? '').includes(documenterProse), 'the Documenter’s prose is the body');
      assert.ok((pull.body ?? '').includes(task.branch!), 'the facts name the branch');
      assert.match(pull.body ?? '', /slack\.com\/archives\/CDEV1\/p/, 'the body links back to the thread');
      assert.equal(task.prNumber, pull.number);

      const decision = thread.find((message) => message.ts === task.decisionMessageTs)!;
      assert.match(decision.text, new RegExp(`#${pull.number}`));
      const buttons = blockTexts(decision.blocks);
      assert.match(buttons, /tandem_approve/);
      assert.match(buttons, /tandem_reject/);
    });

    test('a reply in the thread becomes the next iteration on the same branch and the same PR', async () => {
      const before = await harness.tasks.get(taskId);
      const headBefore = (await git(harness.remotes.root, 'ls-remote', `${harness.remotes.root}/acme/calc.git`, before!.branch!)).split('\t')[0];
      const text = 'please also cover adding zero';
      const message = harness.slack.addUserMessage({ channel, user: developer, text, threadTs });
      const delivery = await harness.driver.event({ type: 'message', channel, user: developer, text, ts: message.ts, thread_ts: threadTs, channel_type: 'channel' });
      assert.equal(delivery.status, 200);

      const task = await harness.waitForTask(
        (record) => record.taskId === taskId && record.iteration === 2 && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
        'iteration 2 to await approval',
        90_000,
      );
      const headAfter = (await git(harness.remotes.root, 'ls-remote', `${harness.remotes.root}/acme/calc.git`, task.branch!)).split('\t')[0];
      assert.notEqual(headAfter, headBefore, 'the branch got new commits');
      const clone = await harness.remotes.clone('acme', 'calc', task.branch!);
      assert.match(await git(clone, 'show', 'HEAD:test/add-zero.test.js'), /adds zero/);
      assert.equal(harness.github.pulls('acme/calc').length, 1, 'never a second PR');
      const plannerPrompts = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'planner');
      assert.match(JSON.stringify(plannerPrompts.at(-1)!.messages), /cover adding zero/, 'the feedback reached the team');
      const superseded = harness.slack.messages(channel).find((message) => message.ts === before!.decisionMessageTs);
      assert.match(superseded!.text, /Superseded/);
    });

    test('a non-lead click changes nothing; a lead’s double click merges once', async () => {
      const task = (await harness.tasks.get(taskId))!;
      const value = `${taskId}:${task.iteration}`;
      const click = (userId: string) =>
        harness.driver.blockAction({ actionId: 'tandem_approve', value, userId, channelId: channel, messageTs: task.decisionMessageTs!, threadTs });

      const refused = await click(developer);
      assert.equal(refused.status, 200);
      await harness.slack.waitFor(() => harness.slack.responses().some((response) => /Only human leads/.test(JSON.stringify(response.body))), 10_000, 'the ephemeral refusal');
      assert.equal((await harness.tasks.get(taskId))!.status, 'awaiting_approval');
      assert.equal(harness.github.merges.length, 0);

      await Promise.all([click(lead), click(lead), click(secondLead)]);
      const merged = await harness.waitForTask((record) => record.taskId === taskId && record.status === 'merged', 'the merge', 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(harness.github.merges.length, 1, 'merged once');
      assert.equal(harness.github.pulls('acme/calc')[0]!.merged, true);
      assert.ok([lead, secondLead].includes(merged.decidedBy!));
      const outcome = await harness.slack.waitFor(
        () => harness.slack.messages(channel).find((message) => message.ts === task.decisionMessageTs && /Merged by/.test(message.text)),
        10_000,
        'the buttons replaced by the outcome',
      );
      assert.doesNotMatch(blockTexts(outcome.blocks), /tandem_approve/);
    });

    test('Reject closes another task’s PR and deletes its branch', async () => {
      await harness.driver.slashCommand({ text: 'acme/calc make add handle strings of digits', userId: developer, channelId: channel });
      const task = await harness.waitForTask(
        (record) => record.taskId !== taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
        'the second task to await approval',
        90_000,
      );
      await harness.driver.blockAction({
        actionId: 'tandem_reject',
        value: `${task.taskId}:1`,
        userId: lead,
        channelId: channel,
        messageTs: task.decisionMessageTs!,
        threadTs: task.threadTs,
      });
      const rejected = await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'rejected', 'the rejection', 20_000);
      const pull = harness.github.pulls('acme/calc').find((candidate) => candidate.number === rejected.prNumber)!;
      assert.equal(pull.state, 'closed');
      assert.equal(pull.merged, false);
      assert.ok(harness.github.deletedRefs.some((deleted) => deleted.ref.includes(task.branch!)), 'the branch was deleted');
    });
  });
}
