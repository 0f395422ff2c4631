import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TaskRecord } from '../../src/tasks/task-record.ts';
import { concurrentPushScripts, pushToTaskBranch } from '../kit/concurrent-push.ts';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';

// Issue 6, item 7, driven from Slack through the gateway: a push rejected as non-fast-forward
// (someone pushed to the task branch meanwhile) is rebased and the task ends in one PR; a
// clone that fails ends the task with the reason in its thread and no PR.

describe('git faults from a Slack command', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('git-faults-from-slack', 'http', { ALLOWED_REPOS: 'acme/calc,acme/missing' });
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  async function submitAndSettle(text: string): Promise<TaskRecord> {
    await harness.driver.slashCommand({ text, userId: developer, channelId: channel });
    const request = text.split(' ').slice(1).join(' ');
    return harness.waitForTask(
      (record) =>
        record.request === request &&
        (record.status === 'failed' || record.status === 'stuck' || (record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined)),
      `the task "${text}" to end`,
      60_000,
    );
  }

  test('a rejected push is rebased onto the other commit: the task finishes with one PR whose head keeps both', async () => {
    let theirs = '';
    const meanwhile = async () => {
      const address = { remotes: harness.remotes, owner: 'acme', name: 'calc', branchPrefix: 'tandem/' };
      theirs = await pushToTaskBranch(address, { 'README.md': '# calc\n\nTiny arithmetic helpers, now documented.\n' }, 'docs: a better README');
    };
    harness.ollama.setResponder(fullTeam(concurrentPushScripts(meanwhile, { path: 'src/add.js', search: 'return a + b;', replace: 'return b + a;' })));
    const task = await submitAndSettle('acme/calc fix add so that it adds');
    assert.equal(task.status, 'awaiting_approval', task.reason);
    assert.notEqual(theirs, '', 'the other commit was pushed while the Reviewer read');

    const thread = { channel, threadTs: task.threadTs! };
    await assertThreadTellsOutcome(harness.slack, thread, 'finished');
    assertPullRequestCount(harness.github, 'acme/calc', task.branch, 1);
    const clone = await harness.remotes.clone('acme', 'calc', task.branch);
    assert.equal(await git(clone, 'merge-base', '--is-ancestor', theirs, 'HEAD').then(() => 'kept'), 'kept', 'their commit is kept');
    assert.match(await git(clone, 'show', 'HEAD:src/add.js'), /return b \+ a;/, 'the second Coder change is on top');
    assertNoDuplicatePosts(harness.slack, thread);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  });

  test('a clone that fails ends the task with the reason and what to check in its thread, and no PR', async () => {
    harness.ollama.setResponder(fullTeam());
    const pullsBefore = harness.github.pulls().length;
    const workerChats = () => harness.ollama.chatRequests().filter((chat) => ['planner', 'coder'].includes(personaOf(chat) ?? ''));
    const chatsBefore = workerChats().length;
    const task = await submitAndSettle('acme/missing fix add in a repository the remote lacks');
    assert.equal(task.status, 'failed');

    const thread = { channel, threadTs: task.threadTs! };
    const messages = await assertThreadTellsOutcome(
      harness.slack,
      thread,
      /^cloning acme\/missing from file:\/\/\S+\/acme\/missing\.git failed: .*Check that acme\/missing exists there, that GIT_REMOTE_URL points at the right host, and that GITHUB_TOKEN can read it/s,
    );
    assert.equal(messages.filter((message) => message.text.includes('❌ The task failed')).length, 1, 'told once: the clone was not retried');
    assertPullRequestCount(harness.github, 'acme/missing', task.branch, 0);
    assert.equal(harness.github.pulls().length, pullsBefore, 'no PR anywhere');
    assert.equal(workerChats().length, chatsBefore, 'no persona was asked to work without a repository');
    assertNoDuplicatePosts(harness.slack, thread);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  });
});
